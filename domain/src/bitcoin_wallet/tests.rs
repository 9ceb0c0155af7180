use super::*;

/// Account keys of the BIP test mnemonic "abandon ×11 about" (BIP-44/49/84/86 texts and
/// SLIP-132), with the first two receive and change addresses.
struct Vector {
    key: &'static str,
    kind: ScriptKind,
    receive: [&'static str; 2],
    change: [&'static str; 2],
}

const FINGERPRINT: &str = "73c5da0a";

const VECTORS: [Vector; 4] = [
    Vector {
        key: "xpub6BosfCnifzxcFwrSzQiqu2DBVTshkCXacvNsWGYJVVhhawA7d4R5WSWGFNbi8Aw6ZRc1brxMyWMzG3DSSSSoekkudhUd9yLb6qx39T9nMdj",
        kind: ScriptKind::P2pkh,
        receive: ["1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", "1Ak8PffB2meyfYnbXZR9EGfLfFZVpzJvQP"],
        change: ["1J3J6EvPrv8q6AC3VCjWV45Uf3nssNMRtH", "13vKxXzHXXd8HquAYdpkJoi9ULVXUgfpS5"],
    },
    Vector {
        key: "ypub6Ww3ibxVfGzLrAH1PNcjyAWenMTbbAosGNB6VvmSEgytSER9azLDWCxoJwW7Ke7icmizBMXrzBx9979FfaHxHcrArf3zbeJJJUZPf663zsP",
        kind: ScriptKind::P2shP2wpkh,
        receive: ["37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf", "3LtMnn87fqUeHBUG414p9CWwnoV6E2pNKS"],
        change: ["34K56kSjgUCUSD8GTtuF7c9Zzwokbs6uZ7", "3516F2wmK51jVRrggEJsTUBNWMSLLjzvJ2"],
    },
    Vector {
        key: "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYs",
        kind: ScriptKind::P2wpkh,
        receive: ["bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu", "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"],
        change: ["bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el", "bc1qggnasd834t54yulsep6fta8lpjekv4zj6gv5rf"],
    },
    Vector {
        // BIP-86 publishes the account as an xpub: the tr() descriptor says it is taproot.
        key: "xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGVky7D3UKDP9QyrLprQ3VCECoY49yfdDEHGCtMMj92pReUsQ",
        kind: ScriptKind::P2tr,
        receive: [
            "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
            "bc1p4qhjn9zdvkux4e44uhx8tc55attvtyu358kutcqkudyccelu0was9fqzwh",
        ],
        change: [
            "bc1p3qkhfews2uk44qtvauqyr2ttdsw7svhkl9nkm9s9c3x4ax5h60wqwruhk7",
            "bc1ptdg60grjk9t3qqcqczp4tlyy3z47yrx9nhlrjsmw36q5a72lhdrs9f00nj",
        ],
    },
];

fn extended(text: &str) -> ExtendedKey {
    match parse(text).unwrap() {
        Wallet::Extended(k) => k,
        other => panic!("not an extended key: {other:?}"),
    }
}

fn check(k: &ExtendedKey, v: &Vector) {
    assert_eq!(k.kind, v.kind);
    assert_eq!(k.addresses(Chain::Receive, 0, 2), v.receive);
    assert_eq!(k.addresses(Chain::Change, 0, 2), v.change);
}

#[test]
fn bip44_49_84_account_keys_derive_the_bip_addresses() {
    for v in &VECTORS[..3] {
        check(&extended(v.key), v);
    }
    assert_eq!(extended(VECTORS[0].key).format, KeyFormat::Xpub);
    assert_eq!(extended(VECTORS[1].key).format, KeyFormat::Ypub);
    assert_eq!(extended(VECTORS[2].key).format, KeyFormat::Zpub);
}

#[test]
fn descriptors_with_key_origin_derive_the_bip_addresses() {
    let scripts = [
        ("pkh(", ")", 44),
        ("sh(wpkh(", "))", 49),
        ("wpkh(", ")", 84),
        ("tr(", ")", 86),
    ];
    // Descriptors carry the plain xpub form of each account key.
    let xpubs = [
        VECTORS[0].key.to_string(),
        to_xpub(VECTORS[1].key),
        to_xpub(VECTORS[2].key),
        VECTORS[3].key.to_string(),
    ];
    for (((open, close, purpose), xpub), v) in scripts.iter().zip(&xpubs).zip(&VECTORS) {
        for path in ["0/*", "1/*", "<0;1>/*"] {
            let body = format!("{open}[{FINGERPRINT}/{purpose}h/0h/0h]{xpub}/{path}{close}");
            let k = extended(&body);
            assert_eq!(k.format, KeyFormat::Descriptor);
            check(&k, v);
            // With its checksum, and with a checksum one character off.
            let sum = descriptor_checksum(&body).unwrap();
            check(&extended(&format!("{body}#{sum}")), v);
            let mut bad = sum.into_bytes();
            bad[0] = if bad[0] == b'q' { b'p' } else { b'q' };
            let bad = format!("{body}#{}", String::from_utf8(bad).unwrap());
            assert_eq!(parse(&bad), Err(WalletError::BadChecksum));
        }
        // Without an origin too.
        check(&extended(&format!("{open}{xpub}/<0;1>/*{close}")), v);
    }
}

/// Re-encodes a SLIP-132 key with xpub version bytes.
fn to_xpub(key: &str) -> String {
    let mut data = bitcoin::base58::decode_check(key).unwrap();
    data[0..4].copy_from_slice(&XPUB);
    bitcoin::base58::encode_check(&data)
}

#[test]
fn descriptor_checksum_is_bip380s() {
    // BIP-380's example.
    assert_eq!(
        descriptor_checksum("raw(deadbeef)").as_deref(),
        Some("89f8spxm")
    );
    assert!(checksum_ok("raw(deadbeef)", "89f8spxm"));
    assert!(!checksum_ok("raw(deadbeef)", "89f8spxn"));
    assert!(!checksum_ok("raw(deedbeef)", "89f8spxm"));
    assert!(!checksum_ok("raw(deadbeef)", "89f8spx"));
}

#[test]
fn single_addresses_give_their_type_in_canonical_form() {
    let cases = [
        ("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA", ScriptKind::P2pkh),
        ("37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf", ScriptKind::P2sh),
        (
            "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu",
            ScriptKind::P2wpkh,
        ),
        (
            "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr",
            ScriptKind::P2tr,
        ),
    ];
    for (a, kind) in cases {
        assert_eq!(
            parse(&format!("  {a}\n")).unwrap(),
            Wallet::Address {
                address: a.to_string(),
                kind
            }
        );
    }
    // Bech32 is case-insensitive when the whole string has one case: stored lower-cased.
    assert_eq!(
        parse("BC1QCR8TE4KR609GCAWUTMRZA0J4XV80JY8Z306FYU").unwrap(),
        Wallet::Address {
            address: "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu".into(),
            kind: ScriptKind::P2wpkh
        }
    );
}

#[test]
fn bad_input_says_why() {
    let err = |t: &str| parse(t).unwrap_err();
    assert_eq!(err("   "), WalletError::Empty);
    // One character changed: base58check, bech32 (v0) and bech32m (v1) checksums.
    assert_eq!(
        err("1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabB"),
        WalletError::BadChecksum
    );
    assert_eq!(
        err("bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyv"),
        WalletError::BadChecksum
    );
    assert_eq!(
        err("bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcs"),
        WalletError::BadChecksum
    );
    assert_eq!(
        err("zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZYt"),
        WalletError::BadChecksum
    );
    // Testnet address (BIP-84's testnet example key's first address) and key.
    let pk = bitcoin::PublicKey::from_str(
        "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c",
    )
    .unwrap();
    let pk = bitcoin::CompressedPublicKey(pk.inner);
    for testnet in [
        Address::p2wpkh(&pk, Network::Testnet).to_string(),
        Address::p2pkh(pk, Network::Testnet).to_string(),
        Address::p2wpkh(&pk, Network::Regtest).to_string(),
    ] {
        assert_eq!(
            err(&testnet),
            WalletError::WrongNetwork("testnet/signet/regtest")
        );
    }
    assert_eq!(
        parse(&Address::p2wpkh(&pk, Network::Bitcoin).to_string())
            .unwrap()
            .clone(),
        Wallet::Address {
            address: "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu".into(),
            kind: ScriptKind::P2wpkh
        }
    );
    let tpub = {
        let mut d = bitcoin::base58::decode_check(VECTORS[0].key).unwrap();
        d[0..4].copy_from_slice(&TEST_PUBS[0]);
        bitcoin::base58::encode_check(&d)
    };
    assert!(tpub.starts_with("tpub"));
    assert_eq!(err(&tpub), WalletError::WrongNetwork("testnet"));
    // P2WSH is a valid address of a type not read.
    assert_eq!(
        err("bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3"),
        WalletError::UnsupportedType("a P2WSH (script) address")
    );
    // Private keys are refused as such, bare or inside a descriptor.
    let xprv = "xprv9xpXFhFpqdQK3TmytPBqXtGSwS3DLjojFhTGht8gwAAii8py5X6pxeBnQ6ehJiyJ6nDjWGJfZ95WxByFXVkDxHXrqu53WCRGypk2ttuqncb";
    assert_eq!(err(xprv), WalletError::PrivateKey);
    assert_eq!(err(&format!("wpkh({xprv}/0/*)")), WalletError::PrivateKey);
    // Ethereum and garbage.
    assert_eq!(
        err("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").code(),
        "malformed"
    );
    assert_eq!(err("hello").code(), "malformed");
    // Descriptors outside the subset.
    let x = VECTORS[0].key;
    assert_eq!(
        err(&format!("wsh(multi(1,{x}/0/*,{x}/1/*))")).code(),
        "unsupported_descriptor"
    );
    assert_eq!(err(&format!("wpkh({x})")).code(), "unsupported_descriptor");
    assert_eq!(
        err(&format!("wpkh({x}/0/*h)")).code(),
        "unsupported_descriptor"
    );
    assert_eq!(
        err(&format!("wpkh({}/0/*)", VECTORS[2].key)).code(),
        "unsupported_descriptor"
    );
    assert_eq!(
        err(&format!("wpkh([73c5da0/84h]{x}/0/*)")).code(),
        "malformed"
    );
}

#[test]
fn errors_and_debug_never_show_the_key() {
    let z = VECTORS[2].key;
    let k = parse(z).unwrap();
    assert!(!format!("{k:?}").contains(&z[4..20]));
    let bad = format!("{}X", &z[..z.len() - 1]);
    let e = parse(&bad).unwrap_err();
    assert!(!e.to_string().contains(&z[4..20]));
    assert_eq!(key_hint(z), "zpub…tZYs");
    let d = format!("wpkh([{FINGERPRINT}/84h/0h/0h]{}/<0;1>/*)", VECTORS[0].key);
    assert_eq!(key_hint(&d), "wpkh(xpub…nMdj)");
}

/// A fake chain: the set of used (chain, index) pairs; counts lookups and waves.
fn run(scan: &mut GapScan, used: &[(Chain, u32)]) -> (usize, usize) {
    let (mut requests, mut waves) = (0, 0);
    loop {
        let wave = scan.next_wave();
        if wave.is_empty() {
            return (requests, waves);
        }
        requests += wave.len();
        waves += 1;
        scan.record(&wave, |c, i| used.contains(&(c, i)));
    }
}

#[test]
fn gap_scan_stops_after_gap_unused_and_a_later_sync_starts_from_what_it_remembered() {
    // 150 receive and 50 change addresses used, with a hole of 15 in the receive chain.
    let mut used: Vec<(Chain, u32)> = (0..150)
        .filter(|i| !(100..115).contains(i))
        .map(|i| (Chain::Receive, i))
        .collect();
    used.extend((0..50).map(|i| (Chain::Change, i)));

    let mut first = GapScan::new(DEFAULT_GAP_LIMIT, UsedIndices::default());
    let (requests, waves) = run(&mut first, &used);
    assert_eq!(
        first.used(),
        UsedIndices {
            receive: Some(149),
            change: Some(49)
        }
    );
    // Every used address plus 20 unused after each chain's last.
    assert_eq!(requests, 150 + 20 + 50 + 20);
    assert_eq!(waves, 9);

    // The next sync asks the same addresses, in one wave.
    let mut later = GapScan::new(DEFAULT_GAP_LIMIT, first.used());
    assert_eq!(run(&mut later, &used), (240, 1));

    // A new address used inside the gap window extends the scan by one more wave.
    used.push((Chain::Receive, 165));
    let mut grown = GapScan::new(DEFAULT_GAP_LIMIT, later.used());
    assert_eq!(run(&mut grown, &used), (240 + 16, 2));
    assert_eq!(grown.used().receive, Some(165));

    // A gap of 19 unused is not the end with a gap limit of 20.
    let sparse = [(Chain::Receive, 0), (Chain::Receive, 20)];
    let mut s = GapScan::new(20, UsedIndices::default());
    run(&mut s, &sparse);
    assert_eq!(
        s.used(),
        UsedIndices {
            receive: Some(20),
            change: None
        }
    );
    // With a gap limit of 5 the scan stops before index 20.
    let mut s = GapScan::new(5, UsedIndices::default());
    assert_eq!(run(&mut s, &sparse), (5 + 1 + 5, 2));
    assert_eq!(s.used().receive, Some(0));

    // An empty wallet: one wave of 20 per chain.
    let mut empty = GapScan::new(DEFAULT_GAP_LIMIT, UsedIndices::default());
    assert_eq!(run(&mut empty, &[]), (40, 1));
    assert_eq!(empty.used(), UsedIndices::default());
}

#[test]
fn address_stats_give_confirmed_and_unconfirmed_apart() {
    let s = AddressStats {
        chain_funded: 150_000_000,
        chain_spent: 50_000_001,
        chain_tx_count: 3,
        mempool_funded: 0,
        mempool_spent: 2_000,
        mempool_tx_count: 1,
    };
    assert!(s.used());
    assert_eq!(s.confirmed_sats(), Some(99_999_999));
    assert_eq!(s.unconfirmed_sats(), Some(-2_000));
    assert_eq!(sats_to_btc(99_999_999).to_string(), "0.99999999");
    assert!(!AddressStats::default().used());
    let broken = AddressStats {
        chain_funded: 1,
        chain_spent: 2,
        ..Default::default()
    };
    assert_eq!(broken.confirmed_sats(), None);
}
