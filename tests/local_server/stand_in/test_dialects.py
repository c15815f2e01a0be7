"""Version parsing, dialect resolution and the per-version behaviour flags."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from ragflow_integrations.testing import DIALECTS, Dialect, LocalRAGFlow, resolve_dialect


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("v0.21.1", "v0.21"),
        ("0.20.5", "v0.20.5"),
        ("v0.20.4", "v0.20"),
        ("v0.20", "v0.20"),
        ("v0.27.0", "v0.27"),
        ("v0.27.0-12-gabc1234", "v0.27"),
        ("v0.27.3", "v0.27"),
        ("0.13.0", "v0.13"),
        ("v0.25.4", "v0.25.3"),
        ("v0.25.5", "v0.25.3"),
        ("v0.25.7", "v0.25.6"),
        ("v0.26.0", "v0.26"),
        ("v0.15.2", "v0.15.1"),
    ],
)
def test_resolve_dialect(version: str, expected: str) -> None:
    assert resolve_dialect(version) == expected


@pytest.mark.parametrize(
    "bad", ["v0.12.9", "v0.28.0", "1.0", "latest", "", "v0", "0.x.1", "v0.13.1.2"]
)
def test_resolve_dialect_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match=r"v0\.13") as info:
        resolve_dialect(bad)
    assert "v0.25.3" in str(info.value)  # lists the named dialects


def test_named_dialects_cover_the_required_ones() -> None:
    required = {"v0.13", "v0.20", "v0.23", "v0.24", "v0.25.3", "v0.27"}
    assert required <= set(DIALECTS)
    assert list(DIALECTS) == sorted(DIALECTS, key=lambda n: Dialect.for_version(n).v)
    for name in DIALECTS:
        assert resolve_dialect(name) == name


def _flags(d: Dialect) -> dict[str, object]:
    names = [
        n for n, v in vars(Dialect).items() if isinstance(v, property) and not n.startswith("_")
    ]
    return {n: getattr(d, n) for n in names}


def test_each_named_dialect_differs_from_its_predecessor() -> None:
    # v0.25.3 is named (as the brief requires) but behaves as v0.25.2: the contract has
    # no change there.
    identical = {("v0.25.2", "v0.25.3")}
    for older, newer in itertools.pairwise(DIALECTS):
        a, b = Dialect.for_version(older), Dialect.for_version(newer)
        if (older, newer) in identical:
            assert _flags(a) == _flags(b)
            continue
        assert _flags(a) != _flags(b), (older, newer)


def test_flags_follow_the_contract() -> None:
    d13, d19, d23, d24, d25, d251, d26, d27 = (
        Dialect.for_version(v)
        for v in ("v0.13", "v0.19", "v0.23", "v0.24", "v0.25.0", "v0.25.1", "v0.26", "v0.27")
    )
    assert d13.retcode_keys and not d19.retcode_keys
    assert d13.delete_empty_means_all and d24.delete_empty_means_all
    assert not d25.delete_empty_means_all
    assert (d13.dataset_delete_mode, d19.dataset_delete_mode, d25.dataset_delete_mode) == (
        "empty_all",
        "null_all",
        "explicit",
    )
    assert not d23.stream_delta and d24.stream_delta
    assert d13.citation_style == "dollar" and Dialect.for_version("v0.20").citation_style == "id"
    assert (
        d251.completion_requires_messages
        and not Dialect.for_version("v0.25.6").completion_requires_messages
    )
    assert d26.page_size_cap == 100 and d25.page_size_cap is None
    assert d27.legacy_stream_option and not d26.legacy_stream_option
    assert dataclasses.is_dataclass(d27)


def test_server_version_and_dialect_names() -> None:
    server = LocalRAGFlow("0.25.4")
    assert server.version == "v0.25.4"
    assert server.dialect == "v0.25.3"
    assert LocalRAGFlow("v0.27.0-12-gabc").version == "v0.27.0-12-gabc"
    assert LocalRAGFlow().dialect == "v0.27"
    with pytest.raises(ValueError, match="Unsupported"):
        LocalRAGFlow("v0.9")
