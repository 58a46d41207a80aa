# QEMU: fetch Debian's source package, overlay hw/, configure, build.  Sourced.

QEMU_STAMP=$DEXTBED_CACHE/qemu-source.stamp   # "version sha256 srcdir"

qemu_source_dir() {
    if [ -f "$QEMU_STAMP" ]; then awk '{print $3}' "$QEMU_STAMP"; fi
}

# qemu_fetch: download and unpack Debian's qemu $QEMU_SERIES.x source once.
qemu_fetch() {
    local src
    src=$(qemu_source_dir)
    if [ -n "$src" ] && [ -f "$src/VERSION" ]; then
        return 0
    fi
    local conf version dl orig sha
    conf=$(private_apt_update)
    version=$(APT_CONFIG=$conf apt-cache showsrc qemu 2>/dev/null |
              awk '/^Version:/ {print $2}' | grep -E "^1:$QEMU_SERIES\." | sort -V | tail -n 1)
    [ -n "$version" ] ||
        die "Debian $QEMU_SUITE offers no qemu $QEMU_SERIES.x source package (apt-cache showsrc qemu, config $conf)"
    say "fetching Debian's qemu source package $version ($QEMU_SUITE)"
    dl=$DEXTBED_CACHE/qemu-dl
    rm -rf "$dl" && mkdir -p "$dl"
    if ! (cd "$dl" && APT_CONFIG=$conf apt-get source -q --download-only "qemu=$version") \
        >"$DEXTBED_CACHE/logs/qemu-fetch.log" 2>&1; then
        tail -n 10 "$DEXTBED_CACHE/logs/qemu-fetch.log" | sed 's/^/    /' >&2
        die "could not download the qemu=$version source package from deb.debian.org (log: $DEXTBED_CACHE/logs/qemu-fetch.log)"
    fi
    orig=$(ls "$dl"/qemu_*.orig.tar.* | head -n 1)
    sha=$(sha256sum "$orig" | awk '{print $1}')
    say "QEMU source: $(basename "$orig") sha256 $sha"
    src=$DEXTBED_CACHE/qemu-src
    rm -rf "$src" "$src.tmp"
    run_logged "$DEXTBED_CACHE/logs/qemu-unpack.log" "unpacking the qemu source package" \
        dpkg-source -x "$dl"/qemu_*.dsc "$src.tmp"
    mv "$src.tmp" "$src"
    echo "$version $sha $src" >"$QEMU_STAMP"
    rm -rf "$QEMU_BUILD_DIR"   # a new source tree needs a fresh configure
}

# sync_file SRC DST: copy only when the content differs, so unchanged files
# keep their timestamps and ninja rebuilds only what changed.
sync_file() {
    if ! cmp -s "$1" "$2"; then
        mkdir -p "$(dirname "$2")"
        cp "$1" "$2"
    fi
}

# add_line FILE LINE [AFTER]: insert LINE once, after the line AFTER (exact
# match) or at the end.  Every line we add ends in the marker, so a reader of
# QEMU's tree can find all of dextbed's edits with one grep.
add_line() {
    local file=$1 line="$2" after="${3:-}"
    grep -qxF -- "$line" "$file" && return 0
    if [ -n "$after" ]; then
        grep -qxF -- "$after" "$file" ||
            die "overlay: cannot find '$after' in $file (QEMU source changed?)"
        awk -v after="$after" -v line="$line" \
            '{print} $0 == after && !done {print line; done = 1}' "$file" >"$file.new"
        mv "$file.new" "$file"
    else
        echo "$line" >>"$file"
    fi
}

# qemu_overlay: put hw/ into QEMU's tree as hw/dextbed plus minimal edits.
qemu_overlay() {
    local src f name qtests
    src=$(qemu_source_dir)
    # hw/ -> hw/dextbed, removing files that left hw/.
    mkdir -p "$src/hw/dextbed"
    for f in "$src"/hw/dextbed/*; do
        [ -e "$f" ] || continue
        [ -e "$DEXTBED_ROOT/hw/$(basename "$f")" ] || rm -f "$f"
    done
    for f in "$DEXTBED_ROOT"/hw/*; do
        sync_file "$f" "$src/hw/dextbed/$(basename "$f")"
    done
    sync_file "$DEXTBED_ROOT/hw/dextbed-devices.mak" \
        "$src/configs/devices/x86_64-softmmu/dextbed.mak"
    qtests=""
    for f in "$DEXTBED_ROOT"/tests/qtest/dextbed-*-test.c; do
        name=$(basename "$f" .c)
        sync_file "$f" "$src/tests/qtest/$name.c"
        qtests="$qtests '$name',"
    done

    add_line "$src/hw/meson.build" "subdir('dextbed')  # dextbed-overlay"
    add_line "$src/hw/Kconfig" "source dextbed/Kconfig"
    add_line "$src/meson.build" "    'hw/dextbed',  # dextbed-overlay" "    'hw/misc',"
    # The +ds tarball strips the edk2 blobs; do not try to unpack them.
    add_line "$src/meson.build" "    unpack_edk2_blobs = false  # dextbed-overlay" \
        "    unpack_edk2_blobs = bzip2.found()"
    # Build and run only dextbed's qtests (plus QEMU's introspection checks,
    # which exercise every device, ours included) for x86_64.
    local qline="qtests_x86_64 = [$qtests 'device-introspect-test']  # dextbed-overlay"
    if ! grep -qxF -- "$qline" "$src/tests/qtest/meson.build"; then
        sed -i '/^qtests_x86_64 = .*# dextbed-overlay$/d' "$src/tests/qtest/meson.build"
        add_line "$src/tests/qtest/meson.build" "$qline" "qtests_x86_64 = qtests_i386"
    fi
    add_line "$src/tests/qtest/meson.build" "qtests_generic = []  # dextbed-overlay" \
        "qtests_x86_64 = qtests_i386"
}

QEMU_CONFIGURE_ARGS=(
    --target-list=x86_64-softmmu
    --without-default-devices --with-devices-x86_64=dextbed
    --python="$DEXTBED_PYTHON"
    --enable-slirp --enable-fdt=system --enable-kvm --enable-tcg
    --enable-trace-backends=log
    --disable-download --disable-docs --disable-tools --disable-guest-agent
    --disable-gtk --disable-sdl --disable-vnc --disable-spice --disable-opengl
    --disable-curses --disable-xen --disable-modules --disable-plugins
    --disable-rust --disable-werror --disable-install-blobs
)

# qemu_build: fetch, overlay, configure (once), build (incrementally).
qemu_build() {
    local src
    qemu_fetch
    src=$(qemu_source_dir)
    qemu_overlay
    local args_sig
    args_sig=$(printf '%s\n' "${QEMU_CONFIGURE_ARGS[@]}" | sha256sum | cut -c1-16)
    if [ ! -f "$QEMU_BUILD_DIR/build.ninja" ] ||
       [ "$(cat "$QEMU_BUILD_DIR/.dextbed-configure" 2>/dev/null)" != "$args_sig" ] ||
       [ ! -f "$QEMU_BUILD_DIR/pc-bios/optionrom/config.mak" ]; then
        say "configuring QEMU for x86_64-softmmu (log: $DEXTBED_CACHE/logs/qemu-configure.log)"
        mkdir -p "$QEMU_BUILD_DIR"
        run_logged "$DEXTBED_CACHE/logs/qemu-configure.log" "QEMU configure" \
            bash -c 'cd "$0" && "$1/configure" "${@:2}"' \
            "$QEMU_BUILD_DIR" "$src" "${QEMU_CONFIGURE_ARGS[@]}"
        [ -f "$QEMU_BUILD_DIR/pc-bios/optionrom/config.mak" ] ||
            die "QEMU's configure found no compiler for the x86 option ROMs (pvh.bin); it needs gcc -m32 (Debian's gcc-multilib); see $QEMU_BUILD_DIR/config.log"
        echo "$args_sig" >"$QEMU_BUILD_DIR/.dextbed-configure"
    fi
    # Only what dextbed uses: the emulator, its qtests, the option ROMs.
    local targets=(qemu-system-x86_64 tests/qtest/device-introspect-test) f
    for f in "$DEXTBED_ROOT"/tests/qtest/dextbed-*-test.c; do
        targets+=("tests/qtest/$(basename "$f" .c)")
    done
    local log=$DEXTBED_CACHE/logs/qemu-build.log
    run_logged "$log" "QEMU build" ninja -C "$QEMU_BUILD_DIR" -j"$(nproc)" "${targets[@]}"
    run_logged "$DEXTBED_CACHE/logs/qemu-optionrom.log" "QEMU option ROM build" \
        make -C "$QEMU_BUILD_DIR/pc-bios/optionrom"
    # QEMU builds without -Werror; dextbed's own files must be warning-free.
    if grep -q 'hw/dextbed/.*warning:' "$log"; then
        grep -A3 'hw/dextbed/.*warning:' "$log" | sed 's/^/    /' >&2
        die "warnings in dextbed's device models (see above; log: $log)"
    fi
    local steps
    steps=$(grep -cE 'Compiling|Linking' "$log" || true)
    if [ "$steps" -gt 0 ]; then
        say "QEMU rebuilt: $steps compile/link steps (log: $log)"
    fi
    qemu_firmware
}

# qemu_firmware: SeaBIOS from Debian's seabios package and the option ROMs we
# built, placed where the uninstalled QEMU looks for its data files.
qemu_firmware() {
    local data f
    data=$(find "$QEMU_BUILD_DIR/qemu-bundle" -type d -path '*/share/qemu' | head -n 1)
    [ -n "$data" ] || die "QEMU build has no qemu-bundle/*/share/qemu (log: $DEXTBED_CACHE/logs/qemu-build.log)"
    for f in bios-256k.bin bios.bin vgabios-stdvga.bin; do
        [ -f "/usr/share/seabios/$f" ] ||
            die "missing /usr/share/seabios/$f: install Debian's seabios package (scripts/dextbed setup)"
        ln -sfn "/usr/share/seabios/$f" "$data/$f"
    done
    for f in "$QEMU_BUILD_DIR"/pc-bios/optionrom/*.bin; do
        [ -f "$f" ] || die "option ROMs were not built (log: $DEXTBED_CACHE/logs/qemu-build.log)"
        ln -sfn "$f" "$data/$(basename "$f")"
    done
}

qemu_version() {
    if [ -f "$QEMU_STAMP" ]; then awk '{print $1}' "$QEMU_STAMP"; fi
}
