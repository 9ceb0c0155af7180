//! A real local EVM node for the EVM connector tests and the `bench_evm` benchmark (which
//! includes this file with `#[path]`, so it uses only the crate's normal dependencies).
//!
//! `Anvil::start` runs anvil on a free loopback port, waits until it answers and kills it on
//! drop. Helpers deploy Multicall3 (by replaying its public pre-signed transaction) and the
//! committed test ERC-20 (`tests/fixtures/evm`), copy the token's code to more addresses and
//! set balances through storage. anvil is found through `ANVIL_BIN`, then
//! `.tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil` (`scripts/install-anvil.sh`),
//! then `PATH`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::primitives::{keccak256, Address, B256, U256};
use alloy::sol_types::SolCall;
use serde_json::{json, Value};

/// Multicall3's canonical address (lowercase).
pub const MULTICALL3: &str = "0xca11bde05977b3631167028862be2a173976ca11";
const MULTICALL3_DEPLOY_TX: &str = include_str!("../fixtures/evm/multicall3_deploy_tx.hex");
const MULTICALL3_DEPLOYER: &str = "0x05f32b3cc3888453ff71b01135b34ff8e41263f2";
const MULTICALL3_CODE_HASH: &str =
    "0xd5c15df687b16f2ff992fc8d767b4216323184a2bbc6ee2f9c398c318e770891";
const TEST_TOKEN_BIN: &str = include_str!("../fixtures/evm/TestToken.bin");
const NAMED_TOKEN_BIN: &str = include_str!("../fixtures/evm/NamedToken.bin");

/// anvil's first dev account, unlocked: `eth_sendTransaction` from it needs no key.
pub const DEV_ACCOUNT: &str = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
/// Runtime code that reverts every call (`PUSH1 0 PUSH1 0 REVERT`).
pub const REVERTING_CODE: &str = "0x60006000fd";
/// Runtime code that answers every call with one byte (`MSTORE8 1 at 0; RETURN 0..1`).
pub const SHORT_ANSWER_CODE: &str = "0x600160005360016000f3";

/// The test token's storage slots (see `tests/fixtures/evm/README.md`).
const DECIMALS_SLOT: u64 = 0;
const BALANCES_SLOT: u64 = 2;

alloy::sol! {
    function mint(address to, uint256 amount) external;
}

/// The anvil binary, or a panic that says how to install it.
pub fn anvil_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("ANVIL_BIN").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.tools/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil");
    if local.is_file() {
        return local;
    }
    if let Some(on_path) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("anvil"))
            .find(|p| p.is_file())
    }) {
        return on_path;
    }
    panic!(
        "anvil not found: run scripts/install-anvil.sh (it installs the npm package \
         @foundry-rs/anvil-linux-amd64 into .tools/), or set ANVIL_BIN"
    );
}

/// A loopback port nothing listens on at the moment of asking.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The i-th address used for token clones.
pub fn token_address(i: usize) -> String {
    format!("0x{:040x}", 0x7e57_0000_0000u64 + i as u64)
}

fn word(v: U256) -> String {
    format!("0x{:064x}", v)
}

/// A running anvil, killed on drop.
pub struct Anvil {
    child: Child,
    pub url: String,
    pub chain_id: u64,
    http: reqwest::Client,
}

impl Drop for Anvil {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Anvil {
    /// anvil with chain id 31337.
    pub async fn start() -> Self {
        Self::start_with_chain_id(31337).await
    }

    /// anvil with this chain id, on a free port, answering requests.
    pub async fn start_with_chain_id(chain_id: u64) -> Self {
        let bin = anvil_bin();
        // Another process may take the port between asking and binding: try a few.
        for _ in 0..5 {
            let port = free_port();
            let child = Command::new(&bin)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--chain-id", &chain_id.to_string(), "--silent"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
            let mut anvil = Anvil {
                child,
                url: format!("http://127.0.0.1:{port}"),
                chain_id,
                http: reqwest::Client::new(),
            };
            if anvil.wait_ready().await {
                return anvil;
            }
        }
        panic!("anvil ({}) did not start", bin.display());
    }

    async fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return false;
            }
            if self.try_rpc("eth_chainId", json!([])).await.is_ok() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// A JSON-RPC call: its `result`, or its `error` object (or the transport error as text).
    pub async fn try_rpc(&self, method: &str, params: Value) -> Result<Value, Value> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self
            .http
            .post(&self.url)
            .json(&body)
            .send()
            .await
            .map_err(|e| json!(e.to_string()))?;
        let mut answer: Value = response.json().await.map_err(|e| json!(e.to_string()))?;
        match answer.get("error") {
            Some(e) => Err(e.clone()),
            None => Ok(answer["result"].take()),
        }
    }

    /// A JSON-RPC call that must succeed.
    pub async fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params.clone())
            .await
            .unwrap_or_else(|e| panic!("{method} {params} failed: {e}"))
    }

    pub async fn set_balance(&self, address: &str, wei: U256) {
        self.rpc("anvil_setBalance", json!([address, format!("{wei:#x}")]))
            .await;
    }

    pub async fn set_code(&self, address: &str, code: &str) {
        self.rpc("anvil_setCode", json!([address, code])).await;
    }

    pub async fn code(&self, address: &str) -> String {
        let code = self.rpc("eth_getCode", json!([address, "latest"])).await;
        code.as_str().expect("code is a string").to_string()
    }

    pub async fn set_storage(&self, address: &str, slot: B256, value: U256) {
        self.rpc(
            "anvil_setStorageAt",
            json!([address, alloy::hex::encode_prefixed(slot), word(value)]),
        )
        .await;
    }

    /// Deploys Multicall3 at its canonical address by replaying its pre-signed transaction
    /// (the chain must be fresh for its deployer: nonce 0).
    pub async fn deploy_multicall3(&self) {
        self.set_balance(MULTICALL3_DEPLOYER, U256::from(100_000_000_000_000_000u64))
            .await;
        let tx = self
            .rpc(
                "eth_sendRawTransaction",
                json!([MULTICALL3_DEPLOY_TX.trim()]),
            )
            .await;
        self.receipt(tx.as_str().expect("a transaction hash")).await;
        let code = alloy::hex::decode(self.code(MULTICALL3).await).expect("hex code");
        assert_eq!(
            alloy::hex::encode_prefixed(keccak256(&code)),
            MULTICALL3_CODE_HASH,
            "Multicall3 code"
        );
    }

    /// Sends a transaction from the dev account and waits for its successful receipt.
    pub async fn send(&self, to: Option<&str>, data: &str) -> Value {
        self.send_from(DEV_ACCOUNT, to, data).await
    }

    /// Sends a transaction from `from` (one of anvil's unlocked dev accounts) and waits for its
    /// successful receipt.
    pub async fn send_from(&self, from: &str, to: Option<&str>, data: &str) -> Value {
        let mut tx = json!({"from": from, "data": data, "gas": "0x1000000"});
        if let Some(to) = to {
            tx["to"] = json!(to);
        }
        let hash = self.rpc("eth_sendTransaction", json!([tx])).await;
        self.receipt(hash.as_str().expect("a transaction hash"))
            .await
    }

    async fn receipt(&self, hash: &str) -> Value {
        for _ in 0..500 {
            let receipt = self.rpc("eth_getTransactionReceipt", json!([hash])).await;
            if !receipt.is_null() {
                assert_eq!(receipt["status"], "0x1", "transaction {hash} failed");
                return receipt;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("no receipt for {hash}");
    }

    /// Deploys the test ERC-20 with these decimals; returns its lowercase address.
    pub async fn deploy_token(&self, decimals: u8) -> String {
        let data = format!(
            "0x{}{}",
            TEST_TOKEN_BIN.trim(),
            &word(U256::from(decimals))[2..]
        );
        let receipt = self.send(None, &data).await;
        receipt["contractAddress"]
            .as_str()
            .expect("a contract address")
            .to_ascii_lowercase()
    }

    /// Deploys the test ERC-20 that reports this name and symbol (`NamedToken`); returns its
    /// lowercase address.
    pub async fn deploy_named_token(&self, decimals: u8, name: &str, symbol: &str) -> String {
        use alloy::sol_types::SolValue;
        let args = (U256::from(decimals), name.to_string(), symbol.to_string()).abi_encode_params();
        let data = format!("0x{}{}", NAMED_TOKEN_BIN.trim(), alloy::hex::encode(args));
        let receipt = self.send(None, &data).await;
        receipt["contractAddress"]
            .as_str()
            .expect("a contract address")
            .to_ascii_lowercase()
    }

    /// Mints through the token's `mint(address,uint256)`.
    pub async fn mint(&self, token: &str, to: &str, amount: U256) {
        let to: Address = to.parse().expect("an address");
        let data = mintCall { to, amount }.abi_encode();
        self.send(Some(token), &alloy::hex::encode_prefixed(data))
            .await;
    }

    /// Puts `code` (a test token's runtime code) at `address` with these decimals.
    pub async fn clone_token(&self, code: &str, address: &str, decimals: u8) {
        self.set_code(address, code).await;
        self.set_storage(
            address,
            B256::from(U256::from(DECIMALS_SLOT)),
            U256::from(decimals),
        )
        .await;
    }

    /// Sets `holder`'s balance of a test token through its storage.
    pub async fn set_token_balance(&self, token: &str, holder: &str, amount: U256) {
        let holder: Address = holder.parse().expect("an address");
        let mut key = [0u8; 64];
        key[12..32].copy_from_slice(holder.as_slice());
        key[32..].copy_from_slice(&U256::from(BALANCES_SLOT).to_be_bytes::<32>());
        self.set_storage(token, keccak256(key), amount).await;
    }

    /// `balanceOf(holder)` read directly (for checking the helpers).
    pub async fn token_balance(&self, token: &str, holder: &str) -> U256 {
        let holder: Address = holder.parse().expect("an address");
        let data = format!("0x70a08231{:0>64}", alloy::hex::encode(holder.as_slice()));
        let out = self
            .rpc("eth_call", json!([{"to": token, "data": data}, "latest"]))
            .await;
        let bytes = alloy::hex::decode(out.as_str().expect("hex")).expect("hex");
        U256::from_be_slice(&bytes)
    }
}
