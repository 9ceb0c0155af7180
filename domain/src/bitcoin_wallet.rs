//! Bitcoin wallets: what a user may type as a `bitcoin` account (a single address, an extended
//! public key, or an output descriptor over one), the addresses it stands for, and the gap-limit
//! scan that finds the used ones. Mainnet only: the Esplora endpoint the Butler reads is one
//! network, and a testnet coin has no price, so testnet input is refused as `wrong_network`.
//!
//! Address checksums (base58check, bech32, bech32m) and BIP-32 derivation come from the
//! `bitcoin` crate (rust-bitcoin), not from code written here: key derivation and taproot
//! tweaks are where a hand-written slip goes unnoticed and points at somebody else's coins.
//!
//! An extended public key reveals every address of a wallet, past and future: callers treat the
//! text as a secret. Nothing in this module puts the key in an error message; [`key_hint`]
//! is the only form meant to be shown.

use std::fmt;
use std::str::FromStr;

use bitcoin::address::{Address, AddressType, NetworkUnchecked};
use bitcoin::bip32::{ChildNumber, Xpub};
use bitcoin::key::Secp256k1;
use bitcoin::secp256k1::VerifyOnly;
use bitcoin::Network;
use rust_decimal::Decimal;

/// The gap limit when the user sets none: BIP-44's 20 consecutive unused addresses.
pub const DEFAULT_GAP_LIMIT: u32 = 20;
/// The largest gap limit accepted (each unit costs a request per chain on every sync).
pub const MAX_GAP_LIMIT: u32 = 200;
/// Derivation stops here: BIP-32 normal children are below 2^31.
const MAX_INDEX: u32 = (1 << 31) - 1;

/// The output script an address pays to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptKind {
    /// Legacy pay-to-public-key-hash (`1…`), BIP-44.
    P2pkh,
    /// Pay-to-script-hash (`3…`) typed as an address: which script it wraps is not visible.
    P2sh,
    /// SegWit v0 nested in P2SH (`3…`), BIP-49.
    P2shP2wpkh,
    /// Native SegWit v0 (`bc1q…`), BIP-84.
    P2wpkh,
    /// Taproot key path (`bc1p…`), BIP-86.
    P2tr,
}

impl ScriptKind {
    /// The stable code shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptKind::P2pkh => "p2pkh",
            ScriptKind::P2sh => "p2sh",
            ScriptKind::P2shP2wpkh => "p2sh_p2wpkh",
            ScriptKind::P2wpkh => "p2wpkh",
            ScriptKind::P2tr => "p2tr",
        }
    }
}

/// Why a text is not a Bitcoin wallet the Butler can read. Messages never quote the input (an
/// extended key is a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    #[error("is empty")]
    Empty,
    #[error("has a bad checksum (a character is mistyped or missing)")]
    BadChecksum,
    #[error("is for {0}, not Bitcoin mainnet")]
    WrongNetwork(&'static str),
    #[error("is {0}, which is not supported (single addresses: P2PKH, P2SH, P2WPKH, P2TR; keys: xpub, ypub, zpub, or a pkh/sh(wpkh)/wpkh/tr descriptor)")]
    UnsupportedType(&'static str),
    #[error(
        "is a private key: paste the extended *public* key (xpub, ypub, zpub), never a private one"
    )]
    PrivateKey,
    #[error("is not a Bitcoin address, extended public key or descriptor: {0}")]
    Malformed(&'static str),
    #[error("is a descriptor the Butler cannot read: {0}")]
    UnsupportedDescriptor(&'static str),
}

impl WalletError {
    /// A stable snake_case code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            WalletError::Empty => "empty",
            WalletError::BadChecksum => "bad_checksum",
            WalletError::WrongNetwork(_) => "wrong_network",
            WalletError::UnsupportedType(_) => "unsupported_type",
            WalletError::PrivateKey => "private_key",
            WalletError::Malformed(_) => "malformed",
            WalletError::UnsupportedDescriptor(_) => "unsupported_descriptor",
        }
    }
}

/// The two BIP-44 chains of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chain {
    /// `…/0/i`: addresses handed out to payers.
    Receive,
    /// `…/1/i`: change the wallet sends to itself.
    Change,
}

impl Chain {
    pub const BOTH: [Chain; 2] = [Chain::Receive, Chain::Change];

    fn number(self) -> u32 {
        match self {
            Chain::Receive => 0,
            Chain::Change => 1,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Chain::Receive => "receive",
            Chain::Change => "change",
        }
    }
}

/// How the user wrote an extended key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    Xpub,
    Ypub,
    Zpub,
    Descriptor,
}

/// What a `bitcoin` account's `wallet_address` stands for.
#[derive(Clone, PartialEq, Eq)]
pub enum Wallet {
    /// One address, in its canonical form (bech32 lower-cased).
    Address { address: String, kind: ScriptKind },
    /// An account-level extended public key: receive `0/i` and change `1/i` addresses.
    Extended(ExtendedKey),
}

// No Debug derive: a Debug print of the key would be a log line holding the secret.
impl fmt::Debug for Wallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wallet::Address { address, kind } => f
                .debug_struct("Address")
                .field("address", address)
                .field("kind", kind)
                .finish(),
            Wallet::Extended(k) => fmt::Debug::fmt(k, f),
        }
    }
}

/// An account extended public key and the script its addresses use.
#[derive(Clone, PartialEq, Eq)]
pub struct ExtendedKey {
    key: Xpub,
    pub kind: ScriptKind,
    pub format: KeyFormat,
}

impl fmt::Debug for ExtendedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtendedKey")
            .field("kind", &self.kind)
            .field("format", &self.format)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl ExtendedKey {
    /// The address at `chain/index` under the account key.
    pub fn address(&self, secp: &Secp256k1<VerifyOnly>, chain: Chain, index: u32) -> String {
        let path = [
            ChildNumber::Normal {
                index: chain.number(),
            },
            ChildNumber::Normal {
                index: index.min(MAX_INDEX),
            },
        ];
        // Public derivation fails only when a child key is invalid (probability < 2^-127); the
        // BIP says to skip to the next index, which no wallet has ever needed.
        let child = self
            .key
            .derive_pub(secp, &path)
            .expect("a normal child of a valid public key");
        let address = match self.kind {
            ScriptKind::P2pkh => Address::p2pkh(child.to_pub(), Network::Bitcoin),
            ScriptKind::P2shP2wpkh | ScriptKind::P2sh => {
                Address::p2shwpkh(&child.to_pub(), Network::Bitcoin)
            }
            ScriptKind::P2wpkh => Address::p2wpkh(&child.to_pub(), Network::Bitcoin),
            ScriptKind::P2tr => Address::p2tr(secp, child.to_x_only_pub(), None, Network::Bitcoin),
        };
        address.to_string()
    }

    /// Addresses `chain/start .. chain/end` (end excluded).
    pub fn addresses(&self, chain: Chain, start: u32, end: u32) -> Vec<String> {
        let secp = Secp256k1::verification_only();
        (start..end.min(MAX_INDEX))
            .map(|i| self.address(&secp, chain, i))
            .collect()
    }
}

/// A context for [`ExtendedKey::address`] (building one costs about a millisecond: reuse it).
pub fn secp() -> Secp256k1<VerifyOnly> {
    Secp256k1::verification_only()
}

/// Reads what a user typed for a `bitcoin` account.
pub fn parse(text: &str) -> Result<Wallet, WalletError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(WalletError::Empty);
    }
    if t.len() > 1000 {
        return Err(WalletError::Malformed(
            "longer than any address, key or descriptor",
        ));
    }
    if t.contains('(') {
        return parse_descriptor(t).map(Wallet::Extended);
    }
    if let Some(format) = extended_prefix(t) {
        let (key, kind) = parse_extended(t, format)?;
        return Ok(Wallet::Extended(ExtendedKey { key, kind, format }));
    }
    parse_address(t).map(|(address, kind)| Wallet::Address { address, kind })
}

/// A short form of an extended key or descriptor to show instead of it: the format and the
/// key's last 4 characters (`zpub…ZYs`-like), enough to tell two wallets apart.
pub fn key_hint(text: &str) -> String {
    let t = text.trim();
    let key = t
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() > 100)
        .unwrap_or(t);
    let head: String = key.chars().take(4).collect();
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if t.contains('(') {
        let script = t.split('(').next().unwrap_or("");
        format!("{script}({head}…{tail})")
    } else {
        format!("{head}…{tail}")
    }
}

/// Satoshis as BTC, exactly.
pub fn sats_to_btc(sats: i64) -> Decimal {
    Decimal::new(sats, 8)
}

/// An error's message with its sources', lower-cased (to tell a checksum failure apart).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg.to_lowercase()
}

fn parse_address(t: &str) -> Result<(String, ScriptKind), WalletError> {
    // The address parser falls back to base58 when bech32 fails, which would report a mistyped
    // bc1 address as "not base58": a segwit-looking text is checked as bech32 first.
    let lower = t.to_ascii_lowercase();
    if ["bc1", "tb1", "bcrt1"].iter().any(|p| lower.starts_with(p)) {
        if let Err(e) = bitcoin::bech32::segwit::decode(t) {
            return Err(if error_chain(&e).contains("checksum") {
                WalletError::BadChecksum
            } else {
                WalletError::Malformed("it is not a valid bech32 segwit address")
            });
        }
    }
    let unchecked = Address::<NetworkUnchecked>::from_str(t).map_err(|e| {
        let msg = error_chain(&e);
        if msg.contains("checksum") {
            WalletError::BadChecksum
        } else if msg.contains("hrp") || msg.contains("prefix") {
            WalletError::Malformed("its prefix is not a Bitcoin address prefix (1, 3, bc1)")
        } else {
            WalletError::Malformed("it does not decode as base58check or bech32")
        }
    })?;
    if !unchecked.is_valid_for_network(Network::Bitcoin) {
        return Err(WalletError::WrongNetwork("testnet/signet/regtest"));
    }
    let address = unchecked.assume_checked();
    let kind = match address.address_type() {
        Some(AddressType::P2pkh) => ScriptKind::P2pkh,
        Some(AddressType::P2sh) => ScriptKind::P2sh,
        Some(AddressType::P2wpkh) => ScriptKind::P2wpkh,
        Some(AddressType::P2tr) => ScriptKind::P2tr,
        Some(AddressType::P2wsh) => {
            return Err(WalletError::UnsupportedType("a P2WSH (script) address"))
        }
        Some(_) => {
            return Err(WalletError::UnsupportedType(
                "an anchor or non-standard output",
            ))
        }
        None => return Err(WalletError::UnsupportedType("a future SegWit version")),
    };
    Ok((address.to_string(), kind))
}

/// SLIP-132 version bytes of mainnet extended public keys and what they pay to.
const XPUB: [u8; 4] = [0x04, 0x88, 0xb2, 0x1e];
const YPUB: [u8; 4] = [0x04, 0x9d, 0x7c, 0xb2];
const ZPUB: [u8; 4] = [0x04, 0xb2, 0x47, 0x46];
const YPUB_MULTISIG: [u8; 4] = [0x02, 0x95, 0xb4, 0x3f];
const ZPUB_MULTISIG: [u8; 4] = [0x02, 0xaa, 0x7e, 0xd3];
const TEST_PUBS: [[u8; 4]; 5] = [
    [0x04, 0x35, 0x87, 0xcf], // tpub
    [0x04, 0x4a, 0x52, 0x62], // upub
    [0x04, 0x5f, 0x1c, 0xf6], // vpub
    [0x02, 0x42, 0x89, 0xef], // Upub
    [0x02, 0x57, 0x54, 0x83], // Vpub
];
const PRIVATE_PREFIXES: [&str; 8] = [
    "xprv", "yprv", "zprv", "tprv", "uprv", "vprv", "Yprv", "Zprv",
];

fn extended_prefix(t: &str) -> Option<KeyFormat> {
    // Any 4-letter …pub/…prv prefix of the right length is treated as a key (so a mistyped key
    // is reported as a key, not as "not an address").
    if t.len() < 100 || t.len() > 120 {
        return None;
    }
    match t.get(0..4)? {
        "ypub" => Some(KeyFormat::Ypub),
        "zpub" => Some(KeyFormat::Zpub),
        p if p.ends_with("pub") || p.ends_with("prv") => Some(KeyFormat::Xpub),
        _ => None,
    }
}

fn parse_extended(t: &str, format: KeyFormat) -> Result<(Xpub, ScriptKind), WalletError> {
    if PRIVATE_PREFIXES.iter().any(|p| t.starts_with(p)) {
        return Err(WalletError::PrivateKey);
    }
    let mut data = bitcoin::base58::decode_check(t).map_err(|e| match e {
        bitcoin::base58::Error::IncorrectChecksum(_) => WalletError::BadChecksum,
        _ => WalletError::Malformed("the key is not valid base58"),
    })?;
    if data.len() != 78 {
        return Err(WalletError::Malformed("the key is not 78 bytes long"));
    }
    let version: [u8; 4] = data[0..4].try_into().expect("4 bytes");
    let kind = match version {
        XPUB => ScriptKind::P2pkh,
        YPUB => ScriptKind::P2shP2wpkh,
        ZPUB => ScriptKind::P2wpkh,
        YPUB_MULTISIG | ZPUB_MULTISIG => {
            return Err(WalletError::UnsupportedType("a multisig key (Ypub/Zpub)"))
        }
        v if TEST_PUBS.contains(&v) => return Err(WalletError::WrongNetwork("testnet")),
        _ => return Err(WalletError::Malformed("unknown extended key version")),
    };
    if format == KeyFormat::Descriptor && version != XPUB {
        return Err(WalletError::UnsupportedDescriptor(
            "descriptors carry xpub keys; the script says the type",
        ));
    }
    data[0..4].copy_from_slice(&XPUB);
    let key = Xpub::decode(&data)
        .map_err(|_| WalletError::Malformed("the key's public point is invalid"))?;
    Ok((key, kind))
}

/// Reads `pkh(KEY)`, `sh(wpkh(KEY))`, `wpkh(KEY)`, `tr(KEY)` with an optional `#checksum`, where
/// KEY is `[fingerprint/origin/path]xpub…/0/*`, `…/1/*` or `…/<0;1>/*` (BIP-389). Both chains are
/// scanned whichever of the three is given: wallets export the receive and change descriptors as
/// a pair, and the change chain of the same account key is the same wallet.
fn parse_descriptor(t: &str) -> Result<ExtendedKey, WalletError> {
    let body = match t.rsplit_once('#') {
        Some((body, sum)) => {
            if !checksum_ok(body, sum) {
                return Err(WalletError::BadChecksum);
            }
            body
        }
        None => t,
    };
    let (kind, inner) = if let Some(r) = body.strip_prefix("sh(wpkh(") {
        (ScriptKind::P2shP2wpkh, r.strip_suffix("))"))
    } else if let Some(r) = body.strip_prefix("wpkh(") {
        (ScriptKind::P2wpkh, r.strip_suffix(')'))
    } else if let Some(r) = body.strip_prefix("pkh(") {
        (ScriptKind::P2pkh, r.strip_suffix(')'))
    } else if let Some(r) = body.strip_prefix("tr(") {
        (ScriptKind::P2tr, r.strip_suffix(')'))
    } else {
        return Err(WalletError::UnsupportedDescriptor(
            "only pkh(), sh(wpkh()), wpkh() and tr() of one key are read",
        ));
    };
    let inner = inner.ok_or(WalletError::Malformed("unbalanced parentheses"))?;
    if inner.contains(',') || inner.contains('(') {
        return Err(WalletError::UnsupportedDescriptor(
            "script trees and multisig are not read",
        ));
    }
    let after_origin = match inner.strip_prefix('[') {
        Some(r) => {
            let (origin, rest) = r
                .split_once(']')
                .ok_or(WalletError::Malformed("key origin has no closing ]"))?;
            check_origin(origin)?;
            rest
        }
        None => inner,
    };
    let (key_text, path) =
        after_origin
            .split_once('/')
            .ok_or(WalletError::UnsupportedDescriptor(
                "the key needs a derivation ending in /0/*, /1/* or /<0;1>/*",
            ))?;
    if !matches!(path, "0/*" | "1/*" | "<0;1>/*") {
        return Err(WalletError::UnsupportedDescriptor(
            "the key's derivation must be /0/*, /1/* or /<0;1>/* (no hardened steps after an xpub)",
        ));
    }
    if PRIVATE_PREFIXES.iter().any(|p| key_text.starts_with(p)) {
        return Err(WalletError::PrivateKey);
    }
    let (key, _) = parse_extended(key_text, KeyFormat::Descriptor)?;
    Ok(ExtendedKey {
        key,
        kind,
        format: KeyFormat::Descriptor,
    })
}

fn check_origin(origin: &str) -> Result<(), WalletError> {
    let mut parts = origin.split('/');
    let fingerprint = parts.next().unwrap_or("");
    if fingerprint.len() != 8 || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WalletError::Malformed(
            "key origin must start with an 8-hex-digit fingerprint",
        ));
    }
    for step in parts {
        let digits = step.trim_end_matches(['\'', 'h', 'H']);
        if digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
            || digits.parse::<u32>().map_or(true, |n| n > MAX_INDEX)
        {
            return Err(WalletError::Malformed("key origin has a bad path step"));
        }
    }
    Ok(())
}

// BIP-380 descriptor checksum.
const INPUT_CHARSET: &str =
    "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
const CHECKSUM_CHARSET: &[u8; 32] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn polymod(symbols: impl Iterator<Item = u64>) -> u64 {
    const GENERATOR: [u64; 5] = [
        0xf5dee51989,
        0xa9fdca3312,
        0x1bab10e32d,
        0x3706b1677a,
        0x644d626ffd,
    ];
    let mut chk: u64 = 1;
    for value in symbols {
        let top = chk >> 35;
        chk = ((chk & 0x7ffffffff) << 5) ^ value;
        for (i, g) in GENERATOR.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

fn expand(body: &str) -> Option<Vec<u64>> {
    let mut symbols = Vec::with_capacity(body.len() * 4 / 3 + 10);
    let mut groups = Vec::with_capacity(3);
    for c in body.chars() {
        let v = INPUT_CHARSET.find(c)? as u64;
        symbols.push(v & 31);
        groups.push(v >> 5);
        if groups.len() == 3 {
            symbols.push(groups[0] * 9 + groups[1] * 3 + groups[2]);
            groups.clear();
        }
    }
    match groups.len() {
        1 => symbols.push(groups[0]),
        2 => symbols.push(groups[0] * 3 + groups[1]),
        _ => {}
    }
    Some(symbols)
}

/// The 8-character BIP-380 checksum of a descriptor body (None: a character outside the set).
pub fn descriptor_checksum(body: &str) -> Option<String> {
    let symbols = expand(body)?;
    let c = polymod(symbols.into_iter().chain([0; 8])) ^ 1;
    Some(
        (0..8)
            .map(|i| CHECKSUM_CHARSET[((c >> (5 * (7 - i))) & 31) as usize] as char)
            .collect(),
    )
}

fn checksum_ok(body: &str, sum: &str) -> bool {
    sum.len() == 8 && descriptor_checksum(body).is_some_and(|c| c == sum)
}

/// The gap-limit scan of one extended key, as a plan of waves: each wave is a set of addresses
/// whose use the caller looks up (in parallel, within its rate limit), then records. A chain is
/// done once `gap` consecutive addresses after its highest used one were seen unused.
///
/// `known` is what an earlier sync remembered (the highest used index per chain): a later sync
/// asks for everything up to it plus the gap in its first wave instead of discovering it `gap`
/// addresses at a time. Every address up to the highest used one is still asked each sync: a
/// used address can receive again, and a skipped one below it can be paid late.
#[derive(Debug, Clone)]
pub struct GapScan {
    gap: u32,
    chains: [ChainScan; 2],
}

#[derive(Debug, Clone, Copy)]
struct ChainScan {
    /// Indices below this were asked.
    asked_to: u32,
    highest_used: Option<u32>,
}

/// The highest used index per chain (None: no address of the chain was ever used).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsedIndices {
    pub receive: Option<u32>,
    pub change: Option<u32>,
}

impl UsedIndices {
    pub fn get(&self, chain: Chain) -> Option<u32> {
        match chain {
            Chain::Receive => self.receive,
            Chain::Change => self.change,
        }
    }
}

impl GapScan {
    /// `gap` is clamped to 1..=[`MAX_GAP_LIMIT`].
    pub fn new(gap: u32, known: UsedIndices) -> Self {
        let chain = |c| ChainScan {
            asked_to: 0,
            highest_used: known.get(c),
        };
        GapScan {
            gap: gap.clamp(1, MAX_GAP_LIMIT),
            chains: [chain(Chain::Receive), chain(Chain::Change)],
        }
    }

    fn target(&self, c: &ChainScan) -> u32 {
        match c.highest_used {
            Some(u) => u.saturating_add(1).saturating_add(self.gap),
            None => self.gap,
        }
        .min(MAX_INDEX)
    }

    /// The next addresses to look up, as (chain, index); empty when the scan is done.
    pub fn next_wave(&self) -> Vec<(Chain, u32)> {
        let mut wave = Vec::new();
        for (chain, c) in Chain::BOTH.into_iter().zip(&self.chains) {
            wave.extend((c.asked_to..self.target(c)).map(|i| (chain, i)));
        }
        wave
    }

    /// Records the wave's answers: `used(chain, index)` is whether the address has any
    /// transaction (confirmed or in the mempool).
    pub fn record(&mut self, wave: &[(Chain, u32)], used: impl Fn(Chain, u32) -> bool) {
        for &(chain, index) in wave {
            let c = &mut self.chains[chain.number() as usize];
            c.asked_to = c.asked_to.max(index + 1);
            if used(chain, index) && c.highest_used.is_none_or(|u| index > u) {
                c.highest_used = Some(index);
            }
        }
    }

    pub fn is_done(&self) -> bool {
        self.next_wave().is_empty()
    }

    /// What to remember for the next sync.
    pub fn used(&self) -> UsedIndices {
        UsedIndices {
            receive: self.chains[0].highest_used,
            change: self.chains[1].highest_used,
        }
    }
}

/// One address's figures from an Esplora `GET /address/:addr` answer, in satoshis.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressStats {
    pub chain_funded: u64,
    pub chain_spent: u64,
    pub chain_tx_count: u64,
    pub mempool_funded: u64,
    pub mempool_spent: u64,
    pub mempool_tx_count: u64,
}

impl AddressStats {
    /// Ever used: a transaction confirmed or waiting.
    pub fn used(&self) -> bool {
        self.chain_tx_count > 0 || self.mempool_tx_count > 0
    }

    /// Confirmed balance (None: the server's figures are inconsistent, spent above funded).
    pub fn confirmed_sats(&self) -> Option<i64> {
        let c = self.chain_funded.checked_sub(self.chain_spent)?;
        i64::try_from(c).ok()
    }

    /// The unconfirmed change waiting in the mempool (negative when a spend is waiting).
    pub fn unconfirmed_sats(&self) -> Option<i64> {
        let funded = i64::try_from(self.mempool_funded).ok()?;
        let spent = i64::try_from(self.mempool_spent).ok()?;
        Some(funded - spent)
    }
}

#[cfg(test)]
mod tests;
