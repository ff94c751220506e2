# Sourced by run-tests.sh and test-wheel.sh: make_venv DIR makes a new venv
# with pip at DIR (whatever was there is removed). Needs only python3 with pip.
make_venv() {
  local venv=$1
  rm -rf "$venv"
  if ! python3 -m venv "$venv"; then
    # Python without ensurepip (Debian's python3 without python3-venv): make
    # the venv bare and install pip into it from pip's own wheel.
    rm -rf "$venv"
    python3 -m venv --without-pip "$venv"
    python3 -m pip download --quiet --no-deps --dest "$venv/pip-wheel" pip
    "$venv/bin/python" "$(echo "$venv"/pip-wheel/pip-*.whl)/pip" install --quiet "$(echo "$venv"/pip-wheel/pip-*.whl)"
  fi
}
