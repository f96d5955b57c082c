# shellcheck shell=bash
# Sourced by scripts that need Debian packages (setup.sh for the build and the
# tests, bench-edge.sh for wrk). `deb_install PKG...` installs those of the
# packages that are not installed yet, with one `apt-get update`, and does
# nothing when all are there: safe to call on every run.
deb_install() {
  local missing=() p sudo=""
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  printf '[deb] apt-get install %s\n' "${missing[*]}" >&2
  [ "$(id -u)" = 0 ] || sudo=sudo
  # Wait for another apt/dpkg (unattended upgrades, a parallel set-up)
  # instead of failing on its lock.
  local wait=(-o DPkg::Lock::Timeout=600)
  $sudo apt-get "${wait[@]}" update -q >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get "${wait[@]}" install -y -q "${missing[@]}" >/dev/null
}
