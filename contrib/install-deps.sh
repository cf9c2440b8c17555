#!/bin/sh
# install-deps.sh - install the Debian 12 packages hallmark needs to build
# and to run its tests.  Idempotent: when nothing is missing it does
# nothing (no apt-get at all).  Must run as root to install.
#
# Postfix is installed with the debconf answer "No configuration", so no
# system instance is configured or started; while installing, a
# policy-rc.d keeps package scripts from starting any service (nsd,
# opendkim, opendmarc): the tests start their own private instances.
set -eu

# libspf2-dev is optional (only make spf-compare links it); debhelper,
# dpkg-dev and fakeroot build the Debian package (make deb, t_deb.sh)
BUILD_PKGS="build-essential autoconf automake pkg-config
  libmilter-dev libopendkim-dev libspf2-dev libssl-dev libconfig-dev
  libunbound-dev libpsl-dev publicsuffix libcmocka-dev openssl"
TEST_PKGS="postfix nsd swaks python3 python3-dkim python3-spf python3-yaml
  libmail-dkim-perl opendkim opendkim-tools opendmarc
  clang libclang-rt-14-dev clang-format valgrind dnsutils ldnsutils procps iproute2
  libcap2-bin sasl2-bin python3-authres mandoc
  debhelper dpkg-dev fakeroot"

missing=""
for p in $BUILD_PKGS $TEST_PKGS; do
	st=$(dpkg-query -W -f '${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing" >&2
	echo "install-deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi

echo "install-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
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
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
echo "install-deps: done"
