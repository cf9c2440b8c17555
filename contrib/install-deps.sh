#!/bin/sh
# install-deps.sh - install the Debian 12 packages hallmark needs to build
# and to run its tests.  Idempotent: when nothing is missing it does
# nothing (no apt-get at all).  Must run as root to install.
#
# Postfix is installed with the debconf answer "No configuration", so no
# system instance is configured or started; while installing, a
# policy-rc.d keeps package scripts from starting any service (nsd,
# opendkim, opendmarc): the tests start their own private instances.
#
# Sendmail is not installed (sendmail-bin conflicts with postfix): its
# .debs are downloaded into SM_DEBS (default
# /var/cache/hallmark-test/sendmail), once; tests/lib/sendmail.sh unpacks
# them into each test's private directory.
set -eu

# libspf2-dev is optional (only make spf-compare links it); debhelper,
# dpkg-dev and fakeroot build the Debian package (make deb, t_deb.sh)
BUILD_PKGS="build-essential autoconf automake pkg-config
  libmilter-dev libopendkim-dev libspf2-dev libssl-dev libconfig-dev
  libunbound-dev libpsl-dev publicsuffix libcmocka-dev openssl
  libsqlite3-dev libpq-dev zlib1g-dev libxml2-dev"
TEST_PKGS="postfix nsd swaks python3 python3-dkim python3-spf python3-yaml
  libmail-dkim-perl opendkim opendkim-tools opendmarc
  clang libclang-rt-14-dev clang-format valgrind dnsutils ldnsutils procps iproute2
  libcap2-bin sasl2-bin python3-authres mandoc m4
  debhelper dpkg-dev fakeroot postgresql sqlite3 libxml2-utils jq curl strace"
# downloaded, not installed: sendmail-bin and the libraries its binary
# needs that nothing above pulls in (liblockfile1, libwrap0); the cf/ m4
# files are in sendmail-cf
SM_PKGS="sendmail-bin sendmail-base sendmail-cf liblockfile1 libwrap0"
SM_DEBS=${SM_DEBS:-/var/cache/hallmark-test/sendmail}

# sm_debs_missing - the SM_PKGS with no .deb in SM_DEBS
sm_debs_missing() {
	for p in $SM_PKGS; do
		ls "$SM_DEBS/${p}"_*.deb >/dev/null 2>&1 || printf ' %s' "$p"
	done
}

# fetch_sendmail - download the missing Sendmail .debs into SM_DEBS
fetch_sendmail() {
	sm_missing=$(sm_debs_missing)
	[ -n "$sm_missing" ] || return 0
	echo "install-deps: downloading into $SM_DEBS:$sm_missing"
	mkdir -p "$SM_DEBS"
	# root downloads into a root-owned directory: no _apt sandbox
	# shellcheck disable=SC2086
	(cd "$SM_DEBS" && apt-get -q -o APT::Sandbox::User=root download $sm_missing)
}

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
	st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
sm_missing=$(sm_debs_missing)
if [ -z "$missing" ] && [ -z "$sm_missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	if [ -n "$sm_missing" ]; then
		echo "install-deps: not in $SM_DEBS (the Sendmail test downloads them as root):$sm_missing" >&2
	fi
	[ -n "$missing" ] || exit 0
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
fetch_sendmail
if [ -z "$missing" ]; then
	echo "install-deps: done"
	exit 0
fi
echo "install-deps: installing:$missing"
echo "postfix postfix/main_mailer_type select No configuration" |
	debconf-set-selections
rc_policy=/usr/sbin/policy-rc.d
restore=""
if [ ! -e "$rc_policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$rc_policy"
	chmod 755 "$rc_policy"
	restore=yes
fi
cleanup() { [ -n "$restore" ] && rm -f "$rc_policy"; return 0; }
trap cleanup EXIT
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
echo "install-deps: done"
