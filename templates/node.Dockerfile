# Rendered by devparity from templates/node.Dockerfile; edit devparity.toml, not this output.
# Works with the classic builder (no BuildKit needed).
FROM ${base}
${system_packages}
# Dependencies are installed outside the workdir and reached through
# /node_modules (Node's lookup walks up to /), so the dev bind mount over the
# workdir cannot hide them.
WORKDIR ${deps_dir}
${build_args}
# Dependency files first: a source-only change reuses the install layer.
${copy_deps}
RUN ${install} && ln -sfn ${deps_dir}/node_modules /node_modules
ENV PATH=${deps_dir}/node_modules/.bin:$$PATH
WORKDIR ${workdir}
RUN useradd --create-home --uid ${uid} --user-group ${user_sh}
COPY . .
${env}
USER ${user}
${expose}
CMD ${command}
