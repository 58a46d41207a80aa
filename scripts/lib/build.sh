# The project's own meson build (guest kernel, host unit tests).  Sourced.

project_build() {
    if [ ! -f "$DEXTBED_BUILD/build.ninja" ]; then
        run_logged "$DEXTBED_CACHE/logs/meson-setup.log" "meson setup of the project" \
            meson setup "$DEXTBED_BUILD" "$DEXTBED_ROOT"
    fi
    run_logged "$DEXTBED_BUILD/build.log" "project build" ninja -C "$DEXTBED_BUILD"
}
