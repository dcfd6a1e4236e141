# Sourced by the scripts: one target directory outside the checkout, shared by
# every build, test and CI run on this machine; Debian's OpenSSL.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/daifi-target}"
export OPENSSL_NO_VENDOR=1
DAIFI_NODE="$CARGO_TARGET_DIR/release/daifi-node"
export DAIFI_NODE
