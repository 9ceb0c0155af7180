//! `domain::bitcoin_wallet` derivation against bitcoinjs-lib 7.0.0 + bip32 4.0.0 (npm, pinned in
//! tools/bitcoinjs-oracle): for seeds drawn from a fixed generator, the oracle derives the
//! BIP-44/49/84/86 account keys, writes each as its SLIP-132 text (xpub/ypub/zpub; xpub for
//! BIP-86) and derives the first receive and change addresses; we parse the same text (and, for
//! each, the equivalent output descriptor with key origin) and must derive the same addresses.
//! Runs only when the oracle is installed (`scripts/install-bitcoinjs-oracle.sh`); with
//! `BITCOINJS_REQUIRED=1` a missing oracle fails the test instead of skipping it.

use std::path::PathBuf;
use std::process::Command;

use domain::bitcoin_wallet::{parse, Chain, ScriptKind, Wallet};
use serde_json::Value;

const ADDRESSES_PER_CHAIN: u32 = 25;
const SEEDS: usize = 6;

fn oracle_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tools/bitcoinjs-oracle")
}

fn oracle_available() -> bool {
    let found = oracle_dir().join("node_modules/bitcoinjs-lib").is_dir()
        && Command::new("node")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    if !found {
        let reason =
            "the bitcoinjs oracle is not installed: run scripts/install-bitcoinjs-oracle.sh";
        assert!(
            std::env::var("BITCOINJS_REQUIRED").as_deref() != Ok("1"),
            "{reason}"
        );
        eprintln!("skipping the bitcoinjs cross-check: {reason}");
    }
    found
}

/// Seeds from a fixed xorshift sequence (16 to 64 bytes, BIP-32's allowed lengths).
fn seeds() -> Vec<String> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..SEEDS)
        .map(|i| {
            let len = [16, 32, 64][i % 3];
            (0..len).map(|_| format!("{:02x}", next() as u8)).collect()
        })
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn to_plain_xpub(key: &str) -> String {
    let mut data = bitcoin::base58::decode_check(key).unwrap();
    data[0..4].copy_from_slice(&[0x04, 0x88, 0xb2, 0x1e]);
    bitcoin::base58::encode_check(&data)
}

#[test]
fn derivation_matches_bitcoinjs_for_generated_keys() {
    if !oracle_available() {
        return;
    }
    let seeds = seeds();
    let out = Command::new("node")
        .current_dir(oracle_dir())
        .arg("derive.js")
        .arg(ADDRESSES_PER_CHAIN.to_string())
        .args(&seeds)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cases.len(), SEEDS * 4);
    let mut compared = 0;
    for case in &cases {
        let purpose = case["purpose"].as_u64().unwrap();
        let key = case["account_key"].as_str().unwrap();
        let fingerprint = case["fingerprint"].as_str().unwrap();
        let receive = strings(&case["receive"]);
        let change = strings(&case["change"]);
        let xpub = to_plain_xpub(key);
        let origin = format!("[{fingerprint}/{purpose}h/0h/0h]");
        let (script, kind) = match purpose {
            44 => (format!("pkh({origin}{xpub}/<0;1>/*)"), ScriptKind::P2pkh),
            49 => (
                format!("sh(wpkh({origin}{xpub}/<0;1>/*))"),
                ScriptKind::P2shP2wpkh,
            ),
            84 => (format!("wpkh({origin}{xpub}/<0;1>/*)"), ScriptKind::P2wpkh),
            86 => (format!("tr({origin}{xpub}/0/*)"), ScriptKind::P2tr),
            p => panic!("purpose {p}"),
        };
        // The SLIP-132 text says the type by itself, except for taproot (published as xpub).
        let mut inputs = vec![script];
        if purpose != 86 {
            inputs.push(key.to_string());
        }
        for input in inputs {
            let Wallet::Extended(k) = parse(&input).unwrap() else {
                panic!("not an extended key")
            };
            assert_eq!(k.kind, kind, "purpose {purpose}");
            assert_eq!(
                k.addresses(Chain::Receive, 0, ADDRESSES_PER_CHAIN),
                receive,
                "purpose {purpose} receive"
            );
            assert_eq!(
                k.addresses(Chain::Change, 0, ADDRESSES_PER_CHAIN),
                change,
                "purpose {purpose} change"
            );
            compared += 2 * ADDRESSES_PER_CHAIN as usize;
        }
    }
    // 6 seeds × (3 SLIP-132 keys + 4 descriptors) × 50 addresses.
    assert_eq!(compared, SEEDS * 7 * 2 * ADDRESSES_PER_CHAIN as usize);
}
