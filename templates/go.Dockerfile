# Rendered by devparity from templates/go.Dockerfile; edit devparity.toml, not this output.
# Works with the classic builder (no BuildKit needed).
FROM ${base}
${system_packages}
${runtime_env}
# The module and build caches and the dev build's output directory are
# writable by any user: the dev container runs as the host's UID, mounts a
# named volume on each (a new volume starts as a copy of the image's
# directory) and rebuilds there.
RUN mkdir -p ${caches} ${bin_dir} ${dev_bin_dir} && chmod 1777 ${caches} ${dev_bin_dir}
WORKDIR ${workdir}
${build_args}
# go.mod and go.sum first: a source-only change reuses the download layer.
${copy_deps}
RUN ${install}
RUN useradd --create-home --uid ${uid} --user-group ${user_sh}
COPY . .
# A static binary at a fixed path. The build cache stays in the image (it
# already carries the toolchain) so a new dev volume starts warm.
RUN ${build} && chmod -R a+rwX ${caches}
${env}
USER ${user}
${expose}
CMD ${command}
