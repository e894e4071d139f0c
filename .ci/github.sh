# Sourced by the workflow scripts. Outside Actions, what a step would append to GITHUB_ENV,
# GITHUB_OUTPUT or GITHUB_STEP_SUMMARY goes to a temporary file, printed when the step ends.
_step_files=()
for _name in GITHUB_ENV GITHUB_OUTPUT GITHUB_STEP_SUMMARY; do
  if [[ -z ${!_name:-} ]]; then
    printf -v "$_name" '%s' "$(mktemp)"
    _step_files+=("${!_name}")
  fi
done
_print_step_files() {
  if ((${#_step_files[@]})); then
    cat "${_step_files[@]}"
    rm -f "${_step_files[@]}"
  fi
}
trap _print_step_files EXIT
