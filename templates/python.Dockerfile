# Rendered by devparity from templates/python.Dockerfile; edit devparity.toml, not this output.
# Works with the classic builder (no BuildKit needed).
FROM ${base}
${system_packages}
# Dependencies live in a venv outside the workdir, so the dev bind mount over
# the workdir cannot hide them.
ENV VIRTUAL_ENV=${venv} \
    PATH=${venv}/bin:$$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
RUN python3 -m venv ${venv}
WORKDIR ${workdir}
${build_args}
# Dependency files first: a source-only change reuses the install layer.
${copy_deps}
RUN ${install}
RUN useradd --create-home --uid ${uid} --user-group ${user_sh}
COPY . .
${env}
USER ${user}
${expose}
CMD ${command}
