# Shared by `up` and `down` (sourced): which tag a checkout holds, where its server lives,
# its ports, and the pid-file helpers. See README.md beside this file.

die() { echo "real_ragflow: $*" >&2; exit 1; }

# The tag of a checkout of infiniflow/ragflow: git's exact tag, else pyproject's version.
checkout_tag() {
  local checkout=$1 version
  [[ -f $checkout/api/ragflow_server.py ]] || die "$checkout is not a checkout of infiniflow/ragflow"
  if git -C "$checkout" rev-parse --git-dir >/dev/null 2>&1 &&
      git -C "$checkout" describe --tags --exact-match 2>/dev/null; then
    return
  fi
  version=$(sed -n 's/^version = "\(.*\)"$/v\1/p' "$checkout/pyproject.toml" | head -1)
  [[ -n $version ]] || die "cannot tell the tag of $checkout"
  echo "$version"
}

# Settings of one supported tag: PYVER, PORT (the API; the others follow it).
tag_settings() {
  case $1 in
    v0.27.0) PYVER=3.13; PORT=${RAGFLOW_REAL_PORT:-9380} ;;
    v0.24.0) PYVER=3.12; PORT=${RAGFLOW_REAL_PORT:-9480} ;;
    *) die "tag $1 is not supported (v0.24.0 and v0.27.0 are: the first with SeekDB, and the newest)" ;;
  esac
  MARIADB_PORT=$((PORT + 10)) REDIS_PORT=$((PORT + 11)) SEEKDB_PORT=$((PORT + 12))
  MODELS_PORT=$((PORT + 13)) ADMIN_PORT=$((PORT + 1))
}

# Paths: everything of one tag under $HOME_DIR/<tag>; what every tag shares in $HOME_DIR/shared.
kit_paths() {
  HOME_DIR=${RAGFLOW_REAL_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/ragflow-integrations/real-ragflow}
  W=$HOME_DIR/$1
  SRC=$W/src RUN=$W/run LOG=$W/logs DATA=$W/data SHARED=$HOME_DIR/shared
}

# A process this kit started: its pid file names a live process whose start time is the one
# recorded when it was started (so a recycled pid is never taken for ours).
started_at() { awk '{print $22}' "/proc/$1/stat" 2>/dev/null; }
alive() {
  local name=$1 pid
  [[ -f $RUN/$name.pid ]] || return 1
  pid=$(cat "$RUN/$name.pid")
  [[ -n $pid && -f $RUN/$name.started && $(started_at "$pid") == "$(cat "$RUN/$name.started")" ]]
}
remember() { # name pid
  echo "$2" >"$RUN/$1.pid"
  started_at "$2" >"$RUN/$1.started"
}
