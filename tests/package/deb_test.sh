#!/usr/bin/env bash
# The .deb, end to end (issue 15): packs an already-built build dir with CPack (no compiling),
# runs lintian, installs the package and checks what an install gets: the binary runs, the
# installed config passes --check-config, every library resolves, the unit verifies and keeps
# its sandbox score.
#
# Usage: tests/package/deb_test.sh BUILD_DIR [--dpkg-install]
#   default         unpacks into a throwaway root (dpkg -x): no root needed, nothing on this
#                   machine changes
#   --dpkg-install  dpkg -i on this machine, then dpkg -P (as root, on a throwaway machine
#                   like CI's): also runs the maintainer scripts and registers the conffile.
#                   STREAMBRIDGE_DEB_INSTALL=1 in the environment asks for the same.
# Every check prints one "ok" or "FAIL" line; the first failure stops the test with exit 1.
set -euo pipefail

build_dir="$(cd "${1:?usage: deb_test.sh BUILD_DIR [--dpkg-install]}" && pwd)"
mode=unpack
if [[ "${2:-}" == --dpkg-install || "${STREAMBRIDGE_DEB_INSTALL:-0}" == 1 ]]; then mode=dpkg; fi
max_exposure=2.0
start=$SECONDS

work="$(mktemp -d "${TMPDIR:-/tmp}/streambridge-deb.XXXXXX")"
installed=0
cleanup() {
  if ((installed)); then dpkg -P streambridge >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

ok() { echo "deb-test: ok: $*"; }
fail() {
  echo "deb-test: FAIL: $1" >&2
  if [[ -n "${2:-}" && -s "$2" ]]; then sed 's/^/    /' "$2" >&2; fi
  exit 1
}
# run LOG CMD...: CMD's output goes to LOG, shown only when a check fails.
run() { local log="$1"; shift; "$@" >"$log" 2>&1; }

for tool in cpack dpkg-deb dpkg-shlibdeps lintian systemd-analyze ldd file; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/deps.sh installs it)"
done

# --- the package ---------------------------------------------------------------------------
run "$work/cpack.log" cpack -G DEB -B "$work/pkg" --config "$build_dir/CPackConfig.cmake" \
  || fail "cpack -G DEB" "$work/cpack.log"
debs=("$work"/pkg/*.deb)
[[ -f "${debs[0]}" ]] || fail "cpack wrote no .deb" "$work/cpack.log"
deb="${debs[0]}"
ok "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

depends="$(dpkg-deb -f "$deb" Depends)"
# dpkg-shlibdeps names each library's package; libc6 and libssl3 are always among them.
[[ "$depends" == *libc6* && "$depends" == *libssl3* ]] \
  || fail "Depends does not come from dpkg-shlibdeps: '$depends'"
ok "Depends: $depends"

dpkg-deb -e "$deb" "$work/control"
grep -qx /etc/streambridge/streambridge.toml "$work/control/conffiles" \
  || fail "/etc/streambridge/streambridge.toml is not a conffile" "$work/control/conffiles"
ok "conffiles: $(tr '\n' ' ' <"$work/control/conffiles")"
for script in postinst prerm postrm; do
  sh -n "$work/control/$script" || fail "$script is not valid sh" "$work/control/$script"
done
grep -q -- '-d /run/systemd/system' "$work/control/postinst" \
  || fail "postinst does not check that systemd runs before daemon-reload" "$work/control/postinst"
ok "postinst, prerm, postrm parse; daemon-reload only where systemd runs"

lintian "$deb" >"$work/lintian.log" 2>&1 || true  # its exit status counts warnings too
grep -v 'running with root privileges' "$work/lintian.log" >"$work/lintian.txt" || true
if grep -q '^E:' "$work/lintian.txt"; then fail "lintian reports errors" "$work/lintian.txt"; fi
ok "lintian: no errors ($(grep -c '^W:' "$work/lintian.txt" || true) warnings)"
sed 's/^/    /' "$work/lintian.txt"

# --- plain cmake --install (into a DESTDIR): the unit follows the prefix, a config is kept --
inst="$work/cmake-install"
run "$work/install.log" env DESTDIR="$inst" cmake --install "$build_dir" --prefix /usr/local \
  || fail "cmake --install" "$work/install.log"
grep -qx 'ExecStart=/usr/local/sbin/streambridged --config /etc/streambridge/streambridge.toml' \
  "$inst/usr/local/lib/systemd/system/streambridged.service" \
  || fail "cmake --install --prefix /usr/local: the unit does not start /usr/local/sbin/streambridged" \
       "$inst/usr/local/lib/systemd/system/streambridged.service"
echo "# changed by deb_test.sh" >>"$inst/etc/streambridge/streambridge.toml"
run "$work/install2.log" env DESTDIR="$inst" cmake --install "$build_dir" --prefix /usr/local \
  || fail "cmake --install, second time" "$work/install2.log"
grep -q "changed by deb_test.sh" "$inst/etc/streambridge/streambridge.toml" \
  || fail "a second cmake --install replaced an existing /etc/streambridge/streambridge.toml" "$work/install2.log"
ok "cmake --install --prefix /usr/local: ExecStart follows the prefix; an existing config is kept"

# --- the install ---------------------------------------------------------------------------
if [[ "$mode" == dpkg ]]; then
  [[ $(id -u) -eq 0 ]] || fail "--dpkg-install needs root (and a machine you can throw away)"
  # Never touch a real install: its conffile and state would go with the purge.
  if dpkg-query -W -f='${Status}' streambridge 2>/dev/null | grep -q installed || [[ -e /etc/streambridge ]]; then
    fail "streambridge or /etc/streambridge is already on this machine: not installing over it"
  fi
  installed=1
  run "$work/dpkg.log" dpkg -i "$deb" || fail "dpkg -i (are the Depends installed?)" "$work/dpkg.log"
  root=""
  dpkg-query -W -f='${Conffiles}\n' streambridge | grep -q /etc/streambridge/streambridge.toml \
    || fail "dpkg did not register the conffile"
  ok "dpkg -i: installed, conffile registered"
  # A conffile the admin changed survives a reinstall (dpkg asks only when both sides changed).
  echo "# changed by deb_test.sh" >>/etc/streambridge/streambridge.toml
  run "$work/dpkg2.log" dpkg -i "$deb" || fail "dpkg -i over the installed package" "$work/dpkg2.log"
  grep -q "changed by deb_test.sh" /etc/streambridge/streambridge.toml \
    || fail "reinstalling replaced the admin's /etc/streambridge/streambridge.toml"
  ok "dpkg -i again keeps the changed conffile"
else
  root="$work/root"
  dpkg-deb -x "$deb" "$root"
  ok "dpkg -x into a throwaway root"
fi
daemon="$root/usr/sbin/streambridged"
config="$root/etc/streambridge/streambridge.toml"
unit="$root/lib/systemd/system/streambridged.service"
for f in "$daemon" "$config" "$unit" "$root/usr/share/streambridge/event.schema.json" \
         "$root/usr/share/doc/streambridge/README.md" "$root/usr/share/doc/streambridge/copyright" \
         "$root/usr/share/doc/streambridge/changelog.Debian.gz" \
         "$root/usr/share/man/man8/streambridged.8.gz" "$root/usr/share/man/man5/streambridge.toml.5.gz" \
         "$root/usr/share/man/man7/streambridge-api.7.gz"; do
  [[ -f "$f" ]] || fail "missing after install: ${f#"$root"}"
done
ok "files in place: /usr/sbin, /etc/streambridge, /lib/systemd/system, /usr/share/{streambridge,doc,man}"

version="$("$daemon" --version 2>&1)" || fail "streambridged --version exits non-zero: $version"
[[ "$version" == "streambridged "* ]] || fail "streambridged --version says '$version'"
ok "$version"

run "$work/check.log" "$daemon" --check-config "$config" \
  || fail "streambridged --check-config /etc/streambridge/streambridge.toml" "$work/check.log"
ok "--check-config /etc/streambridge/streambridge.toml"

# /usr/sbin/streambridged is the static launcher; the daemon it execs is the dynamic one.
file "$daemon" | grep -q 'statically linked' || fail "the launcher $daemon is not static: $(file "$daemon")"
ok "/usr/sbin/streambridged is the static launcher"
daemon_image="$root/usr/libexec/streambridge/streambridged"
[[ -x "$daemon_image" ]] || fail "missing after install: /usr/libexec/streambridge/streambridged"
ldd "$daemon_image" >"$work/ldd.log" 2>&1 || fail "ldd $daemon_image" "$work/ldd.log"
if grep -q 'not found' "$work/ldd.log"; then fail "ldd: libraries do not resolve" "$work/ldd.log"; fi
ok "ldd resolves all $(grep -c '=>' "$work/ldd.log") libraries"

if command -v man >/dev/null; then
  for page in "$root/usr/share/man/man8/streambridged.8.gz" "$root/usr/share/man/man5/streambridge.toml.5.gz" \
              "$root/usr/share/man/man7/streambridge-api.7.gz"; do
    MANWIDTH=80 man --warnings -l "$page" 2>"$work/man.log" >/dev/null || fail "man -l ${page#"$root"}" "$work/man.log"
    [[ ! -s "$work/man.log" ]] || fail "man -l ${page#"$root"} warns" "$work/man.log"
  done
  ok "man pages render without warnings"
fi

# --- the unit ------------------------------------------------------------------------------
exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
[[ "$exec_start" == "/usr/sbin/streambridged --config /etc/streambridge/streambridge.toml" ]] \
  || fail "the unit's ExecStart is '$exec_start'"
ok "ExecStart=$exec_start"

# verify checks that ExecStart's binary exists and that man finds the Documentation= pages.
# Unpacked, both are under the throwaway root: the copy verified differs from the installed
# unit in the ExecStart path only, and man looks in the root's man directory.
verify_unit="$unit"
verify_env=()
if [[ -n "$root" ]]; then
  mkdir -p "$work/verify"
  verify_unit="$work/verify/streambridged.service"
  sed "s|^ExecStart=/usr/sbin/|ExecStart=$root/usr/sbin/|" "$unit" >"$verify_unit"
  verify_env=(MANPATH="$root/usr/share/man")
fi
run "$work/verify.log" env "${verify_env[@]}" systemd-analyze verify "$verify_unit" \
  || fail "systemd-analyze verify" "$work/verify.log"
if grep -q 'streambridged' "$work/verify.log"; then fail "systemd-analyze verify warns about the unit" "$work/verify.log"; fi
ok "systemd-analyze verify"

run "$work/security.log" systemd-analyze security --offline=true "$unit" \
  || fail "systemd-analyze security --offline=true" "$work/security.log"
exposure="$(sed -n 's/.*Overall exposure level for streambridged.service: \([0-9.]*\).*/\1/p' "$work/security.log")"
[[ -n "$exposure" ]] || fail "no 'Overall exposure level' in systemd-analyze security's output" "$work/security.log"
awk -v e="$exposure" -v m="$max_exposure" 'BEGIN { exit !(e <= m) }' \
  || fail "systemd-analyze security: exposure $exposure, above $max_exposure" "$work/security.log"
ok "systemd-analyze security --offline=true: exposure $exposure (at most $max_exposure)"

# --- removal -------------------------------------------------------------------------------
if [[ "$mode" == dpkg ]]; then
  run "$work/purge.log" dpkg -P streambridge || fail "dpkg -P streambridge" "$work/purge.log"
  installed=0
  for f in "$daemon" "$config" "$unit"; do
    [[ ! -e "$f" ]] || fail "still there after dpkg -P: $f"
  done
  ok "dpkg -P removes the daemon, the conffile and the unit"
fi

echo "deb-test: all passed ($mode, $((SECONDS - start)) s)"
