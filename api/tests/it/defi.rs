//! DeFi positions against the real Aave v3 and Uniswap v3 contracts on anvil (deployed from
//! their npm artifacts by `tools/defi-fixture`). Every amount the API shows is compared with
//! the chain's own oracles to the last unit: `aToken.balanceOf` / the debt tokens'
//! `balanceOf` for Aave (also after a year of interest), and static calls of
//! `decreaseLiquidity` (amounts) and `collect` (fees) for Uniswap, after each swap that moves
//! the price through the positions.
//!
//! Needs `tools/defi-fixture/node_modules` (scripts/install-defi-fixture.sh, which
//! scripts/test.sh runs). With `CI=true` or `DEFI_TEST_REQUIRED=1` a missing fixture fails
//! the test instead of skipping it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use rust_decimal::Decimal;
use serde_json::{json, Value};

use api::config::EvmConfig;
use api::connectors::defi::{DefiTarget, ProtocolRead};
use api::connectors::evm::EvmClient;
use api::connectors::ChainTarget;

use crate::anvil::Anvil;
use crate::discovery::{app_and_metrics, app_on, catalog_asset, sync, wallet};
use crate::faults::location;
use crate::helpers::TestApp;

/// anvil's account 1, the fixture's default user.
const USER: &str = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

fn required() -> bool {
    let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    set("CI") || set("DEFI_TEST_REQUIRED")
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/defi-fixture")
}

/// Whether the fixture can run; panics when it must and cannot.
fn fixture_ready() -> bool {
    let ok = fixture_dir().join("node_modules/@aave/core-v3").is_dir();
    if !ok {
        assert!(
            !required(),
            "tools/defi-fixture is not installed but CI / DEFI_TEST_REQUIRED is: run scripts/install-defi-fixture.sh"
        );
        eprintln!("DeFi fixture not installed (scripts/install-defi-fixture.sh): test skipped");
    }
    ok
}

/// Runs one fixture command against this anvil; its JSON answer.
fn fixture(anvil: &Anvil, command: &str, args: Value) -> Value {
    let out = Command::new("node")
        .arg(fixture_dir().join("fixture.mjs"))
        .args([command, "--rpc", &anvil.url, "--args", &args.to_string()])
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "fixture {command} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "fixture {command} answered no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The deployed protocols written into the `ethereum` chain row, as an admin does.
async fn configure(app: &TestApp, deploy: &Value, aave_provider: Option<&str>) {
    let id = app.chain_row_id("ethereum").await;
    let body = json!({
        "aave_v3_addresses_provider": aave_provider.map(str::to_string)
            .unwrap_or_else(|| s(&deploy["aave"]["addresses_provider"])),
        "uniswap_v3_position_manager": deploy["uniswap"]["position_manager"],
        "uniswap_v3_factory": deploy["uniswap"]["factory"],
    });
    let r = app
        .send(
            Method::PUT,
            &format!("/api/admin/evm-chains/{id}"),
            None,
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

fn holdings_where<'a>(account: &'a Value, f: impl Fn(&Value) -> bool + 'a) -> Vec<&'a Value> {
    account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| f(h))
        .collect()
}

fn raw_plus(a: &str, b: &str) -> String {
    (a.parse::<u128>().unwrap() + b.parse::<u128>().unwrap()).to_string()
}

/// Every Aave balance and every position amount and fee of the account equals the chain's
/// oracles to the last unit; the health factor is the pool's.
fn check_against_chain(anvil: &Anvil, account: &Value, positions: &[Value]) {
    let oracle = fixture(anvil, "aave-oracle", json!({"user": USER}));
    for r in oracle["reserves"].as_array().unwrap() {
        let asset = s(&r["asset"]);
        let supplied = holdings_where(account, |h| {
            h["kind"] == "supplied" && h["contract_address"] == asset.as_str()
        });
        let borrowed = holdings_where(account, |h| {
            h["kind"] == "borrowed" && h["contract_address"] == asset.as_str()
        });
        let a = s(&r["a_token_balance"]);
        if a == "0" {
            assert!(supplied.is_empty(), "{asset}: {supplied:?}");
        } else {
            assert_eq!(supplied.len(), 1, "{asset}: {supplied:?}");
            assert_eq!(s(&supplied[0]["raw_amount"]), a, "supplied {asset}");
            assert_eq!(supplied[0]["location"], "ethereum:aave-v3");
            assert_eq!(supplied[0]["details"]["collateral"], r["collateral"]);
        }
        let debt = raw_plus(
            &s(&r["stable_debt_balance"]),
            &s(&r["variable_debt_balance"]),
        );
        if debt == "0" {
            assert!(borrowed.is_empty(), "{asset}: {borrowed:?}");
        } else {
            assert_eq!(borrowed.len(), 1, "{asset}: {borrowed:?}");
            assert_eq!(s(&borrowed[0]["raw_amount"]), debt, "debt {asset}");
            let q: Decimal = s(&borrowed[0]["quantity"]).parse().unwrap();
            assert!(q < Decimal::ZERO, "a debt is negative: {q}");
        }
    }
    let hf_raw: Decimal = s(&oracle["account_data"]["health_factor"]).parse().unwrap();
    let aave = account["defi"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["protocol"] == "aave-v3")
        .expect("an Aave group");
    let shown: Decimal = s(&aave["health_factor"]).parse().unwrap();
    assert_eq!(
        shown,
        hf_raw / Decimal::from(10u64.pow(18)),
        "health factor"
    );

    for p in positions {
        let id = s(&p["token_id"]);
        let o = fixture(
            anvil,
            "uniswap-oracle",
            json!({"owner": USER, "token_id": id}),
        );
        for (side, amount, fees, token) in [
            ("token0", "amount0", "fees0", "token0"),
            ("token1", "amount1", "fees1", "token1"),
        ] {
            let held = holdings_where(account, |h| {
                h["kind"] == "lp"
                    && h["details"]["position_id"] == id.as_str()
                    && h["details"]["side"] == side
            });
            let total = raw_plus(&s(&o[amount]), &s(&o[fees]));
            if total == "0" {
                assert!(held.is_empty(), "#{id} {side}: {held:?}");
                continue;
            }
            assert_eq!(held.len(), 1, "#{id} {side}: {held:?}");
            let h = held[0];
            assert_eq!(
                s(&h["details"]["principal_raw"]),
                s(&o[amount]),
                "#{id} {side} amount"
            );
            assert_eq!(
                s(&h["details"]["fees_raw"]),
                s(&o[fees]),
                "#{id} {side} fees"
            );
            assert_eq!(s(&h["raw_amount"]), total, "#{id} {side} total");
            assert_eq!(h["contract_address"], o[token]);
            assert_eq!(h["details"]["in_range"], o["in_range"], "#{id} in range");
        }
    }
}

/// A fresh anvil with Multicall3 and the fixture's scenario for [`USER`].
async fn scenario() -> (Anvil, Value) {
    let anvil = Anvil::start().await;
    anvil.deploy_multicall3().await;
    let scenario = fixture(&anvil, "scenario", json!({"user": USER}));
    (anvil, scenario)
}

fn total_of(account: &Value) -> Decimal {
    s(&account["total_value_usd"]).parse().unwrap()
}

#[tokio::test]
async fn aave_and_uniswap_positions_equal_the_chains_oracles_to_the_last_unit() {
    if !fixture_ready() {
        return;
    }
    let (anvil, scenario) = scenario().await;
    let deploy = &scenario["deploy"];
    let reserve = |sym: &str| {
        deploy["aave"]["reserves"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["symbol"] == sym)
            .unwrap()
            .clone()
    };
    let (weth, usdc) = (reserve("WETH"), reserve("USDC"));
    let positions: Vec<Value> = scenario["positions"].as_array().unwrap().clone();

    let app = app_on(&anvil, &[]).await;
    let weth_id = catalog_asset(&app, "WETH", "Wrapped Ether", 2, &s(&weth["asset"]), "2000").await;
    catalog_asset(&app, "USDC", "USD Coin", 3, &s(&usdc["asset"]), "1").await;
    // The aToken is a catalog coin too (CoinGecko lists aTokens): it must not count twice.
    catalog_asset(&app, "AUSDC", "Aave USDC", 90, &s(&usdc["a_token"]), "1").await;
    configure(&app, deploy, None).await;
    let id = wallet(&app, USER, None).await;

    let account = sync(&app, &id).await;
    assert_eq!(account["last_sync_status"], "ok", "{account:#}");
    check_against_chain(&anvil, &account, &positions);
    assert!(
        holdings_where(&account, |h| h["contract_address"] == usdc["a_token"]).is_empty(),
        "the aToken is counted through the supply only"
    );
    // 10 WETH and 250 USDC supplied, 5,000 USDC owed; three positions, one in range.
    let supplied_weth = holdings_where(&account, |h| {
        h["kind"] == "supplied" && h["symbol"] == "WETH"
    });
    assert_eq!(s(&supplied_weth[0]["quantity"]), "10");
    assert_eq!(s(&supplied_weth[0]["value_usd"]), "20000");
    let debt = holdings_where(&account, |h| h["kind"] == "borrowed");
    assert_eq!(s(&debt[0]["value_usd"]), "-5000");
    let sum: Decimal = account["holdings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["value_usd"].as_str())
        .map(|v| v.parse::<Decimal>().unwrap())
        .sum();
    assert_eq!(total_of(&account), sum, "net worth subtracts the debt");
    let groups = account["defi"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{groups:?}");
    let uni = groups
        .iter()
        .find(|g| g["protocol"] == "uniswap-v3")
        .unwrap();
    assert_eq!(uni["positions"], 3);
    assert_eq!(
        groups.iter().find(|g| g["protocol"] == "aave-v3").unwrap()["health_warning"],
        false
    );
    let in_range: Vec<&Value> = holdings_where(&account, |h| h["details"]["in_range"] == true);
    assert!(!in_range.is_empty());

    // Look-through: the allocation's WETH line holds the supply and the LP's WETH.
    let weth_held: Decimal = holdings_where(&account, |h| h["symbol"] == "WETH")
        .iter()
        .map(|h| s(&h["value_usd"]).parse::<Decimal>().unwrap())
        .sum();
    let r = app
        .send(
            Method::POST,
            "/api/portfolios",
            None,
            Some(json!({"name": "DeFi", "target_allocation": []})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let pid = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            &format!("/api/portfolios/{pid}/accounts"),
            None,
            Some(json!({"account_id": id})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let alloc = app
        .get(&format!("/api/portfolios/{pid}/allocation"), None)
        .await
        .json();
    let line = alloc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["asset_id"] == weth_id.to_string())
        .expect("a WETH line");
    assert_eq!(s(&line["value_usd"]).parse::<Decimal>().unwrap(), weth_held);
    assert_eq!(
        alloc["liabilities"].as_array().unwrap().len(),
        1,
        "{alloc:#}"
    );
    // The snapshot and the timeline record the net value: the Aave debt is subtracted, and
    // shown beside the gross assets.
    let snap = app
        .send(
            Method::POST,
            &format!("/api/portfolios/{pid}/snapshots"),
            None,
            None,
        )
        .await;
    assert_eq!(snap.status, StatusCode::CREATED, "{}", snap.text());
    let snap = snap.json();
    let dec = |v: &Value| s(v).parse::<Decimal>().unwrap();
    assert_eq!(
        dec(&snap["total_value_usd"]),
        dec(&alloc["net_value_usd"]),
        "{snap:#}"
    );
    assert_eq!(
        dec(&snap["net_value_usd"]),
        total_of(&account),
        "the account's net total"
    );
    assert_eq!(dec(&snap["liabilities_usd"]), Decimal::from(5000));
    assert_eq!(
        dec(&snap["assets_usd"]) - dec(&snap["liabilities_usd"]),
        dec(&snap["net_value_usd"])
    );
    let timeline = app
        .get(&format!("/api/portfolios/{pid}/snapshots/timeline"), None)
        .await
        .json();
    assert_eq!(
        timeline[0]["total_value_usd"], snap["net_value_usd"],
        "{timeline}"
    );

    // A year of interest, no transaction: the balances grow, and the API follows exactly.
    let before = s(&holdings_where(&account, |h| h["kind"] == "borrowed")[0]["raw_amount"]);
    anvil
        .rpc("evm_increaseTime", json!([365 * 24 * 3600]))
        .await;
    anvil.rpc("evm_mine", json!([])).await;
    let account = sync(&app, &id).await;
    check_against_chain(&anvil, &account, &positions);
    let after = s(&holdings_where(&account, |h| h["kind"] == "borrowed")[0]["raw_amount"]);
    assert!(
        after.parse::<u128>().unwrap() > before.parse::<u128>().unwrap(),
        "{before} -> {after}"
    );

    // Swaps move the price into the position above, then into the one below: after each,
    // amounts and fees equal the oracles (fees accrue to the range the price crossed).
    let pool = &scenario["pool"];
    let (token0, token1, fee) = (s(&pool["token0"]), s(&pool["token1"]), pool["fee"].clone());
    let middle = |expected: &str| {
        let p = positions
            .iter()
            .find(|p| p["expected"] == expected)
            .unwrap();
        let lo: i32 = s(&p["tick_lower"]).parse().unwrap();
        let hi: i32 = s(&p["tick_upper"]).parse().unwrap();
        api::domain::uniswap_v3::sqrt_ratio_at_tick((lo + hi) / 2)
            .unwrap()
            .to_string()
    };
    for (token_in, token_out, target) in [
        (&token1, &token0, middle("above")),
        (&token0, &token1, middle("below")),
    ] {
        let swap = fixture(
            &anvil,
            "uniswap-swap",
            json!({"token_in": token_in, "token_out": token_out, "fee": fee,
                   "amount_in": "1000000000000000000000000000000", "sqrt_price_limit_x96": target}),
        );
        let account = sync(&app, &id).await;
        assert_eq!(account["last_sync_status"], "ok", "{account:#}");
        check_against_chain(&anvil, &account, &positions);
        eprintln!(
            "after swap to tick {}: positions equal the oracles",
            swap["tick"]
        );
    }

    // A protocol that cannot be read keeps its positions, flagged, and says so; the other
    // protocol and the chain's balances still refresh.
    configure(&app, deploy, Some(&s(&usdc["asset"]))).await;
    let account = sync(&app, &id).await;
    assert_eq!(account["last_sync_status"], "partial", "{account:#}");
    let loc = location(&account, "ethereum:aave-v3");
    assert_eq!(loc["status"], "failed", "{loc}");
    let kept = holdings_where(&account, |h| h["location"] == "ethereum:aave-v3");
    assert_eq!(kept.len(), 3, "{kept:?}");
    assert!(kept.iter().all(|h| h["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "not_refreshed")));
    let uni_loc = location(&account, "ethereum:uniswap-v3");
    assert_eq!(uni_loc["status"], "ok", "{uni_loc}");
}

/// An address the fixture deploys nothing at.
const NO_CODE: &str = "0x00000000000000000000000000000000000a0a0a";

#[tokio::test]
async fn an_aave_address_without_code_keeps_the_positions_and_their_receipts_out() {
    if !fixture_ready() {
        return;
    }
    let (anvil, scenario) = scenario().await;
    let deploy = &scenario["deploy"];
    let reserve = |sym: &str| {
        deploy["aave"]["reserves"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["symbol"] == sym)
            .unwrap()
            .clone()
    };
    let (weth, usdc) = (reserve("WETH"), reserve("USDC"));
    let app = app_on(&anvil, &[]).await;
    catalog_asset(&app, "WETH", "Wrapped Ether", 2, &s(&weth["asset"]), "2000").await;
    catalog_asset(&app, "USDC", "USD Coin", 3, &s(&usdc["asset"]), "1").await;
    // aTokens and debt tokens are catalog coins too: they must stay out while kept.
    catalog_asset(&app, "AUSDC", "Aave USDC", 90, &s(&usdc["a_token"]), "1").await;
    catalog_asset(&app, "AWETH", "Aave WETH", 91, &s(&weth["a_token"]), "2000").await;
    catalog_asset(
        &app,
        "VDUSDC",
        "Aave variable debt USDC",
        92,
        &s(&usdc["variable_debt_token"]),
        "1",
    )
    .await;
    configure(&app, deploy, None).await;
    let id = wallet(&app, USER, None).await;
    let empty = wallet(&app, "0x00000000000000000000000000000000000e0e0e", None).await;
    let before = sync(&app, &id).await;
    assert_eq!(before["last_sync_status"], "ok", "{before:#}");
    assert_eq!(sync(&app, &empty).await["last_sync_status"], "ok");
    let aave_before = holdings_where(&before, |h| h["location"] == "ethereum:aave-v3").len();
    assert_eq!(aave_before, 3, "two supplies and one debt");

    // The admin mistypes the provider: an address with no contract.
    configure(&app, deploy, Some(NO_CODE)).await;
    let account = sync(&app, &id).await;
    assert_eq!(account["last_sync_status"], "partial", "{account:#}");
    let loc = location(&account, "ethereum:aave-v3");
    assert_eq!(loc["status"], "failed", "{loc}");
    assert!(
        s(&loc["error"]).contains(NO_CODE),
        "the failure names the address: {loc}"
    );
    let kept = holdings_where(&account, |h| h["location"] == "ethereum:aave-v3");
    assert_eq!(kept.len(), aave_before, "{kept:?}");
    assert!(kept.iter().all(|h| h["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "not_refreshed")));
    for receipt in [
        &usdc["a_token"],
        &weth["a_token"],
        &usdc["variable_debt_token"],
    ] {
        assert!(
            holdings_where(&account, |h| h["contract_address"] == *receipt).is_empty(),
            "receipt {receipt} counted as a plain balance: {account:#}"
        );
    }
    let debt = holdings_where(&account, |h| h["kind"] == "borrowed");
    assert_eq!(
        s(&debt[0]["value_usd"]),
        "-5000",
        "the debt stays a liability"
    );
    assert_eq!(total_of(&account), total_of(&before), "net worth unchanged");
    assert_eq!(location(&account, "ethereum")["status"], "ok");
    assert_eq!(location(&account, "ethereum:uniswap-v3")["status"], "ok");

    // A wallet that never had Aave positions is not failed by the same address: a note.
    let other = sync(&app, &empty).await;
    assert_eq!(other["last_sync_status"], "ok", "{other:#}");
}

fn evm_client(chunk: usize) -> EvmClient {
    EvmClient::new(
        &EvmConfig {
            rpc_timeout: Duration::from_secs(5),
            rpc_retries: 0,
            multicall_chunk_size: chunk,
        },
        Arc::new(api::metrics::Metrics::new()),
    )
}

/// The scenario's protocols on `ethereum` at the current block.
async fn defi_target(anvil: &Anvil, deploy: &Value) -> DefiTarget {
    let block = anvil.rpc("eth_blockNumber", json!([])).await;
    let block = u64::from_str_radix(block.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    DefiTarget {
        chain: ChainTarget {
            chain_name: "ethereum".into(),
            chain_id: anvil.chain_id as i64,
            rpc_url: anvil.url.clone(),
            native_symbol: "ETH".into(),
            native_decimals: 18,
            tokens: Vec::new(),
            multicall3_address: None,
        },
        aave_v3_addresses_provider: Some(s(&deploy["aave"]["addresses_provider"])),
        uniswap_v3_position_manager: Some(s(&deploy["uniswap"]["position_manager"])),
        uniswap_v3_factory: Some(s(&deploy["uniswap"]["factory"])),
        block: Some(block),
    }
}

#[tokio::test]
async fn both_protocols_take_four_requests_per_chain() {
    if !fixture_ready() {
        return;
    }
    let (anvil, scenario) = scenario().await;
    let deploy = &scenario["deploy"];
    let client = evm_client(EvmConfig::default().multicall_chunk_size);
    let target = defi_target(&anvil, deploy).await;
    // The first read also asks whether the chain has Multicall3 (remembered after).
    let first = client.read_defi(&target, USER).await.unwrap();
    assert_eq!(first.requests, 5);
    let warm = client.read_defi(&target, USER).await.unwrap();
    assert_eq!(warm.requests, 4, "{warm:?}");
    assert_eq!(warm.aave.read().unwrap().reserves.len(), 2);
    assert_eq!(warm.uniswap.read().unwrap().positions.len(), 3);
    // A wallet with nothing in either protocol: three requests (no position to price).
    let empty = client
        .read_defi(&target, "0x00000000000000000000000000000000000e0e0e")
        .await
        .unwrap();
    assert!(empty.aave.read().unwrap().reserves.is_empty());
    assert!(empty.uniswap.read().unwrap().positions.is_empty());
    assert_eq!(empty.requests, 3);
    // A protocol address without code is "not deployed", not a failure.
    let nowhere = DefiTarget {
        aave_v3_addresses_provider: Some(NO_CODE.into()),
        ..target
    };
    let r = client.read_defi(&nowhere, USER).await.unwrap();
    assert!(
        matches!(r.aave, ProtocolRead::NotDeployed(_)),
        "{:?}",
        r.aave
    );
    assert_eq!(r.uniswap.read().unwrap().positions.len(), 3);
}

/// `n` wallets: [`USER`] first, then wallets with nothing in either protocol.
fn wallets(n: usize) -> Vec<String> {
    std::iter::once(USER.to_string())
        .chain((1..n).map(|i| format!("0x{:040x}", 0xe0000 + i)))
        .collect()
}

#[tokio::test]
async fn a_hundred_wallets_share_the_four_defi_rounds_within_the_chunk_size() {
    if !fixture_ready() {
        return;
    }
    let (anvil, scenario) = scenario().await;
    let deploy = &scenario["deploy"];
    let target = defi_target(&anvil, deploy).await;
    let client = evm_client(EvmConfig::default().multicall_chunk_size);
    let alone = client.read_defi(&target, USER).await.unwrap();
    let all = wallets(100);
    let together = client.read_defi_wallets(&target, &all).await.unwrap();
    assert_eq!(together.len(), 100);
    assert!(
        together.iter().all(|r| r.requests == 4),
        "{:?}",
        together[0].requests
    );
    assert_eq!(together[0].aave, alone.aave, "the same reading as alone");
    assert_eq!(together[0].uniswap, alone.uniswap);
    for r in &together[1..] {
        assert!(r.aave.read().unwrap().reserves.is_empty(), "{r:?}");
        assert!(r.uniswap.read().unwrap().positions.is_empty(), "{r:?}");
    }

    // Chunks of 50 calls: more requests, the same readings. Round 1 holds the pool's two
    // calls and 100 NFT counts; round 2 the reserve list, 100 health factors and the three
    // NFT ids; round 3 per reserve 100 balances and its tokens, decimals and symbol, and the
    // three positions; round 4 one pool's calls. A new client also asks for Multicall3.
    let small = evm_client(50);
    let chunked = small.read_defi_wallets(&target, &all).await.unwrap();
    for (a, b) in chunked.iter().zip(&together) {
        assert_eq!((&a.aave, &a.uniswap), (&b.aave, &b.uniswap));
    }
    let reserves = deploy["aave"]["reserves"].as_array().unwrap().len();
    let expected = 1
        + 102usize.div_ceil(50)
        + 104usize.div_ceil(50)
        + (100 * reserves + 3 * reserves + 3).div_ceil(50)
        + 1;
    assert_eq!(chunked[0].requests, expected, "{reserves} reserves");
}

#[tokio::test]
async fn a_protocol_address_without_code_is_asked_once_until_the_address_changes() {
    if !fixture_ready() {
        return;
    }
    let (anvil, scenario) = scenario().await;
    let deploy = &scenario["deploy"];
    let real = defi_target(&anvil, deploy).await;
    let client = evm_client(EvmConfig::default().multicall_chunk_size);
    client.read_defi(&real, USER).await.unwrap();
    let aave_at = |provider: &str| DefiTarget {
        aave_v3_addresses_provider: Some(provider.to_string()),
        uniswap_v3_position_manager: None,
        uniswap_v3_factory: None,
        ..real.clone()
    };
    let first = client.read_defi(&aave_at(NO_CODE), USER).await.unwrap();
    assert!(
        matches!(first.aave, ProtocolRead::NotDeployed(_)),
        "{first:?}"
    );
    assert_eq!(first.requests, 1);
    let again = client.read_defi(&aave_at(NO_CODE), USER).await.unwrap();
    assert_eq!(again.aave, first.aave, "still not deployed");
    assert_eq!(again.requests, 0, "remembered: not asked again");
    // The admin corrects the address: read again, and a new typo is asked once more.
    let provider = s(&deploy["aave"]["addresses_provider"]);
    let fixed = client.read_defi(&aave_at(&provider), USER).await.unwrap();
    assert_eq!(fixed.aave.read().unwrap().reserves.len(), 2);
    let typo = client.read_defi(&aave_at(NO_CODE), USER).await.unwrap();
    assert_eq!(
        typo.requests, 1,
        "a changed address clears what was remembered"
    );
}

#[tokio::test]
async fn the_account_sync_job_reads_the_defi_of_a_chains_wallets_together() {
    if !fixture_ready() {
        return;
    }
    let (anvil, scenario) = scenario().await;
    let deploy = &scenario["deploy"];
    let positions: Vec<Value> = scenario["positions"].as_array().unwrap().clone();
    let (app, metrics) = app_and_metrics(&anvil, &[]).await;
    configure(&app, deploy, None).await;
    let mut ids = Vec::new();
    for w in wallets(5) {
        ids.push(wallet(&app, &w, None).await);
    }
    let run = api::jobs::run_to_end(&app.state, "account-sync", api::jobs::Trigger::Manual)
        .await
        .unwrap();
    assert_eq!(run.status, "succeeded", "{:?}", run.error);
    let ok = metrics
        .upstream_requests
        .with_label_values(&["evm:ethereum", "ok"])
        .get();
    assert_eq!(
        ok,
        3 + 4,
        "eth_blockNumber, eth_getCode, one balance batch; four DeFi rounds for all five wallets"
    );
    let account = app
        .get(&format!("/api/accounts/{}", ids[0]), None)
        .await
        .json();
    assert_eq!(account["last_sync_status"], "ok", "{account:#}");
    check_against_chain(&anvil, &account, &positions);
    for id in &ids[1..] {
        let other = app.get(&format!("/api/accounts/{id}"), None).await.json();
        assert_eq!(other["last_sync_status"], "ok", "{other:#}");
        assert!(other["defi"].as_array().unwrap().is_empty(), "{other:#}");
    }
}

alloy::sol! {
    function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external returns (uint256);
}

#[tokio::test]
async fn an_aave_health_factor_below_the_rule_alerts_once_and_clears_after_a_repay() {
    use crate::alerts::{history, rule, webhook};
    use alloy::sol_types::SolCall;
    if !fixture_ready() {
        return;
    }
    let (anvil, scenario) = scenario().await;
    let deploy = &scenario["deploy"];
    let usdc = deploy["aave"]["reserves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["symbol"] == "USDC")
        .unwrap()
        .clone();
    let weth = deploy["aave"]["reserves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["symbol"] == "WETH")
        .unwrap()
        .clone();
    let app = app_on(&anvil, &[]).await;
    catalog_asset(&app, "WETH", "Wrapped Ether", 2, &s(&weth["asset"]), "2000").await;
    catalog_asset(&app, "USDC", "USD Coin", 3, &s(&usdc["asset"]), "1").await;
    configure(&app, deploy, None).await;
    let id = wallet(&app, USER, None).await;
    let (receiver, channel) = webhook(&app, false).await;
    rule(
        &app,
        "health_factor",
        json!({"threshold": "2", "account_id": id}),
        &[&channel],
    )
    .await;
    let pool_hf = |anvil: &Anvil| {
        let o = fixture(anvil, "aave-oracle", json!({"user": USER}));
        s(&o["account_data"]["health_factor"])
            .parse::<Decimal>()
            .unwrap()
            / Decimal::from(10u64.pow(18))
    };

    // 3.34 after the scenario: above 2, nothing.
    assert_eq!(sync(&app, &id).await["last_sync_status"], "ok");
    assert!(pool_hf(&anvil) > Decimal::TWO);
    assert!(history(&app).await.is_empty());

    // Borrowing 4,000 USDC more on the pool takes it below 2: one alert, the pool's figure.
    fixture(
        &anvil,
        "aave-position",
        json!({"user": USER, "borrow": [{"asset": "USDC", "amount": "4000000000"}]}),
    );
    let hf = pool_hf(&anvil);
    assert!(hf < Decimal::TWO && hf > Decimal::ONE, "{hf}");
    assert_eq!(sync(&app, &id).await["last_sync_status"], "ok");
    let h = history(&app).await;
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["kind"], "health_factor");
    assert_eq!(h[0]["state"], "triggered");
    assert_eq!(h[0]["data"]["chain"], "ethereum");
    let shown: Decimal = s(&h[0]["data"]["health_factor"]).parse().unwrap();
    // The chain moved on by a block or two of interest since the oracle read: within 1e-6.
    assert!((shown - hf).abs() < Decimal::new(1, 6), "{shown} vs {hf}");
    let body = &receiver.accepted()[0];
    assert!(
        body.get("private").is_none(),
        "not a private channel: {body}"
    );

    // Still below on the next sync: no second alert.
    assert_eq!(sync(&app, &id).await["last_sync_status"], "ok");
    assert_eq!(
        history(&app).await.len(),
        1,
        "a condition that stays true alerts once"
    );

    // Repaying 3,000 USDC but the Aave read failing: unknown, nothing clears.
    let pool = s(&deploy["aave"]["pool"]);
    let data = repayCall {
        asset: s(&usdc["asset"]).parse().unwrap(),
        amount: alloy::primitives::U256::from(3_000_000_000u64),
        interestRateMode: alloy::primitives::U256::from(2u8),
        onBehalfOf: USER.parse().unwrap(),
    }
    .abi_encode();
    anvil
        .send_from(USER, Some(&pool), &alloy::hex::encode_prefixed(data))
        .await;
    assert!(pool_hf(&anvil) > Decimal::TWO);
    configure(&app, deploy, Some(NO_CODE)).await;
    let account = sync(&app, &id).await;
    assert_eq!(location(&account, "ethereum:aave-v3")["status"], "failed");
    assert_eq!(
        history(&app).await.len(),
        1,
        "an unread health factor changes nothing"
    );

    // Read again: above 2, cleared.
    configure(&app, deploy, None).await;
    assert_eq!(sync(&app, &id).await["last_sync_status"], "ok");
    let h = history(&app).await;
    assert_eq!(h.len(), 2, "{h:?}");
    assert_eq!(h[0]["state"], "cleared");
    assert_eq!(receiver.accepted()[1]["type"], "alert.cleared");
}

#[tokio::test]
async fn positions_of_a_protocol_the_sync_no_longer_reads_are_no_outflow() {
    use crate::alerts::{history, rule, webhook};
    if !fixture_ready() {
        return;
    }
    let (anvil, scenario) = scenario().await;
    let deploy = &scenario["deploy"];
    let app = app_on(&anvil, &[]).await;
    for r in deploy["aave"]["reserves"].as_array().unwrap() {
        let (symbol, price) = if r["symbol"] == "WETH" {
            ("WETH", "2000")
        } else {
            ("USDC", "1")
        };
        catalog_asset(&app, symbol, symbol, 2, &s(&r["asset"]), price).await;
    }
    configure(&app, deploy, None).await;
    let id = wallet(&app, USER, None).await;
    let (_receiver, channel) = webhook(&app, true).await;
    rule(
        &app,
        "outflow",
        json!({"account_id": id, "min_amount_usd": "100"}),
        &[&channel],
    )
    .await;
    let account = sync(&app, &id).await;
    assert_eq!(account["last_sync_status"], "ok", "{account:#}");
    let lp: Decimal = holdings_where(&account, |h| h["kind"] == "lp")
        .iter()
        .map(|h| s(&h["value_usd"]).parse::<Decimal>().unwrap())
        .sum();
    assert!(lp > Decimal::from(10_000), "{lp}");

    // The admin removes Uniswap from the chain: its positions are no longer read, and leave
    // the account's holdings, but no money left the wallet.
    let chain = app.chain_row_id("ethereum").await;
    let r = app
        .send(
            Method::PUT,
            &format!("/api/admin/evm-chains/{chain}"),
            None,
            Some(json!({
                "aave_v3_addresses_provider": deploy["aave"]["addresses_provider"],
                "uniswap_v3_position_manager": "",
                "uniswap_v3_factory": "",
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let account = sync(&app, &id).await;
    assert!(
        holdings_where(&account, |h| h["kind"] == "lp").is_empty(),
        "{account:#}"
    );
    assert!(history(&app).await.is_empty(), "no outflow");
}
