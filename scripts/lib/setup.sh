# Host setup: the Debian packages dextbed builds and tests with.  Sourced.

# Packages from the running release (bookworm).
DEXTBED_APT_PACKAGES=(
    build-essential gcc-multilib ninja-build pkg-config ccache git
    python3 python3-venv dpkg-dev xz-utils ca-certificates
    libglib2.0-dev libslirp-dev libpixman-1-dev libfdt-dev zlib1g-dev
    seabios socat libplist-dev
)
# Packages bookworm has too old or not at all, taken from bookworm-backports.
DEXTBED_BACKPORTS=(meson python3-pycotap)

# apt configuration of our own, kept in the cache: trixie sources for QEMU and
# bookworm-backports for meson; the system's apt sources stay untouched.
private_apt_config() {
    local dir=$DEXTBED_CACHE/apt
    mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/etc"
    cat >"$dir/etc/sources.list" <<SRC
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $QEMU_SUITE main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
SRC
    cat >"$dir/apt.conf" <<CONF
Dir::Etc::SourceList "$dir/etc/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::State::Lists "$dir/lists";
Dir::Cache "$dir";
Dir::Cache::archives "$dir/archives";
APT::Sandbox::User "root";
Acquire::Retries "3";
CONF
    echo "$dir/apt.conf"
}

# private_apt_update: refresh the private lists (at most once per run).
private_apt_update() {
    local conf
    conf=$(private_apt_config)
    if [ -z "${_DEXTBED_PRIVATE_UPDATED:-}" ]; then
        if ! APT_CONFIG=$conf apt-get update -q >"$DEXTBED_CACHE/apt/update.log" 2>&1; then
            sed 's/^/    /' "$DEXTBED_CACHE/apt/update.log" | tail -n 15 >&2
            die "could not fetch the package lists for Debian $QEMU_SUITE sources and bookworm-backports from deb.debian.org (log: $DEXTBED_CACHE/apt/update.log). Check the network or proxy and run 'scripts/dextbed setup' again."
        fi
        _DEXTBED_PRIVATE_UPDATED=1
    fi
    echo "$conf"
}

meson_is_new_enough() {
    command -v meson >/dev/null 2>&1 || return 1
    dpkg --compare-versions "$(meson --version 2>/dev/null)" ge 1.5
}

host_setup() {
    [ "$(id -u)" = 0 ] || SUDO=sudo
    local missing=() p
    for p in "${DEXTBED_APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
            missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "installing Debian packages: ${missing[*]}"
        run_logged "$DEXTBED_CACHE/logs/apt-update.log" "apt-get update (Debian package lists)" \
            ${SUDO:-} apt-get update
        run_logged "$DEXTBED_CACHE/logs/apt-install.log" "apt-get install ${missing[*]}" \
            ${SUDO:-} env DEBIAN_FRONTEND=noninteractive apt-get install -y \
            --no-install-recommends "${missing[@]}"
    fi

    local want=()
    meson_is_new_enough || want+=(meson)
    dpkg-query -W -f='${Status}' python3-pycotap 2>/dev/null | grep -q "ok installed" ||
        want+=(python3-pycotap)
    if [ ${#want[@]} -gt 0 ]; then
        say "installing from bookworm-backports: ${want[*]}"
        local conf dl
        conf=$(private_apt_update)
        dl=$DEXTBED_CACHE/apt/debs
        rm -rf "$dl" && mkdir -p "$dl"
        (cd "$dl" && APT_CONFIG=$conf apt-get download -q "${want[@]}") \
            >"$DEXTBED_CACHE/logs/backports.log" 2>&1 ||
            die "could not download ${want[*]} from bookworm-backports (log: $DEXTBED_CACHE/logs/backports.log)"
        run_logged "$DEXTBED_CACHE/logs/backports-install.log" "installing ${want[*]}" \
            ${SUDO:-} env DEBIAN_FRONTEND=noninteractive apt-get install -y \
            --no-install-recommends "$dl"/*.deb
    fi
    meson_is_new_enough || die "meson >= 1.5 is required; found $(meson --version 2>/dev/null || echo none)"
}
