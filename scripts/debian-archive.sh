# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# Debian's archive as this machine's apt reaches it, for the scripts that
# fetch kernels (fetch-kernels.sh) and make fresh roots (the fresh-debian
# test).  Sourced, not run.  The archive's address is never written down:
# it is read from the machine's apt configuration each time.
#
# The other suites (bullseye, trixie, sid; contrib and non-free) are reached
# through a private apt configuration kept in the cache: its own sources
# list, lists, archives and status, passed to apt with -o Dir::... options.
# The machine's own apt sources, lists and architectures are never changed.

# The URIs of the machine's Debian archive: "MAIN SECURITY" (SECURITY empty
# when the machine has no security suite).  apt's own view of its sources
# (one-line and deb822 files alike) comes from `apt-get indextargets`; a
# machine whose lists were never fetched lists no targets there, so the
# source files are read as a fallback.
kx_archive_uris() {
	local main= security= uri rel
	while read -r uri rel; do
		uri=${uri%/}
		case $rel in
		*-security) [ -n "$security" ] || security=$uri ;;
		*-updates | *-backports | *-proposed-updates) ;;
		*) [ -n "$main" ] || main=$uri ;;
		esac
	done < <(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null | sort -u)
	if [ -z "$main" ]; then
		local f
		for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
			[ -r "$f" ] || continue
			while read -r uri rel; do
				uri=${uri%/}
				case $rel in
				*-security) [ -n "$security" ] || security=$uri ;;
				*-updates | *-backports) ;;
				*) [ -n "$main" ] || main=$uri ;;
				esac
			done < <(sed -n -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\{0,1\}\([^[:space:]]\+\)[[:space:]]\+\([^[:space:]]\+\).*/\2 \3/p' \
				-e '/^URIs:/{s/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/;h}' \
				-e '/^Suites:/{s/^Suites:[[:space:]]*\([^[:space:]]*\).*/\1/;H;x;s/\n/ /p}' "$f")
		done
	fi
	[ -n "$main" ] || { echo "kexport: no Debian archive in this machine's apt configuration (/etc/apt/sources.list*)" >&2; return 1; }
	# A machine without a security suite still reaches it beside the main
	# archive on Debian's mirrors: debian-security next to debian.
	[ -n "$security" ] || security=${main%/debian}/debian-security
	echo "$main $security"
}

# kx_apt_init DIR: a private apt configuration in DIR covering the four
# generations' suites (with their security and updates suites), main,
# contrib and non-free, for amd64 and arm64.  Sets KX_APT_OPTS (an array)
# for kx_apt / kx_apt_cache.  Lists are fetched when missing or older than
# a day (KX_APT_UPDATE=1 forces it).
KX_APT_SUITES=${KX_APT_SUITES:-"bullseye bookworm trixie sid"}
kx_apt_init() {
	local dir=$1 uris main security s comps kr=/usr/share/keyrings/debian-archive-keyring.gpg
	uris=$(kx_archive_uris) || return 1
	main=${uris% *} security=${uris#* }
	[ -r "$kr" ] || { echo "kexport: $kr is missing (apt-get install debian-archive-keyring)" >&2; return 1; }
	mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/etc/sources.list.d" "$dir/etc/preferences.d" \
		"$dir/etc/apt.conf.d"
	: > "$dir/status.tmp" && { [ -f "$dir/status" ] || mv "$dir/status.tmp" "$dir/status"; }
	rm -f "$dir/status.tmp"
	{
		for s in $KX_APT_SUITES; do
			comps="main contrib non-free"
			[ "$s" = bullseye ] || comps+=" non-free-firmware"
			echo "deb [arch=amd64,arm64 signed-by=$kr] $main $s $comps"
			[ "$s" = sid ] && continue
			echo "deb [arch=amd64,arm64 signed-by=$kr] $main $s-updates $comps"
			echo "deb [arch=amd64,arm64 signed-by=$kr] $security $s-security $comps"
		done
	} > "$dir/etc/sources.list.new"
	if ! cmp -s "$dir/etc/sources.list.new" "$dir/etc/sources.list"; then
		mv "$dir/etc/sources.list.new" "$dir/etc/sources.list"
		KX_APT_UPDATE=1
	else
		rm -f "$dir/etc/sources.list.new"
	fi
	KX_APT_OPTS=(
		-o "Dir::Etc::SourceList=$dir/etc/sources.list"
		-o "Dir::Etc::SourceParts=$dir/etc/sources.list.d"
		-o "Dir::Etc::Preferences=$dir/etc/preferences"
		-o "Dir::Etc::PreferencesParts=$dir/etc/preferences.d"
		-o "Dir::State::Lists=$dir/lists"
		-o "Dir::State::status=$dir/status"
		-o "Dir::Cache=$dir"
		-o "Dir::Cache::Archives=$dir/archives"
		-o "Dir::Cache::pkgcache=$dir/pkgcache.bin"
		-o "Dir::Cache::srcpkgcache=$dir/srcpkgcache.bin"
		-o "APT::Architecture=$(dpkg --print-architecture)"
		-o "APT::Architectures::=amd64" -o "APT::Architectures::=arm64"
		# The archive reached here can be older than sid's Valid-Until.
		-o "Acquire::Check-Valid-Until=false"
		# Root runs the download itself: the cache is not readable by _apt.
		-o "APT::Sandbox::User=$( [ "$(id -u)" -eq 0 ] && echo root || id -un)"
	)
	if [ "${KX_APT_UPDATE:-0}" = 1 ] || [ -z "$(find "$dir/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit)" ]; then
		kx_apt_update || return 1
	fi
}

kx_apt_update() {
	apt-get "${KX_APT_OPTS[@]}" -qq update >&2 ||
		{ echo "kexport: apt-get update of the private configuration failed" >&2; return 1; }
	KX_APT_UPDATE=0
}
kx_apt() { apt-get "${KX_APT_OPTS[@]}" "$@"; }
kx_apt_cache() { apt-cache "${KX_APT_OPTS[@]}" "$@"; }
