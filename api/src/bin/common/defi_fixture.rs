//! The DeFi fixture (`tools/defi-fixture`: the real Aave v3 and Uniswap v3 contracts) driven
//! from a benchmark.

use anyhow::{ensure, Context};

/// Runs one fixture command against the node at `rpc`; its JSON answer.
pub fn fixture(
    rpc: &str,
    command: &str,
    args: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/defi-fixture/fixture.mjs");
    let out = std::process::Command::new("node")
        .arg(script)
        .args([command, "--rpc", rpc, "--args", &args.to_string()])
        .output()
        .context("node runs the DeFi fixture (scripts/install-defi-fixture.sh)")?;
    ensure!(
        out.status.success(),
        "fixture {command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(serde_json::from_slice(&out.stdout)?)
}
