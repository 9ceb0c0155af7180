// Test oracle for domain::bitcoin_wallet: for each seed (hex) given on the command line, derives
// the BIP-44/49/84/86 account keys (m/purpose'/0'/0') with bip32, prints each account's extended
// public key in its SLIP-132 form (xpub, ypub, zpub; xpub for BIP-86) and the first `count`
// receive (0/i) and change (1/i) addresses computed by bitcoinjs-lib.
// Usage: node derive.js <count> <seed-hex>...   Output: one JSON array on stdout.
'use strict';
const ecc = require('tiny-secp256k1');
const { BIP32Factory } = require('bip32');
const bitcoin = require('bitcoinjs-lib');

bitcoin.initEccLib(ecc);
const bip32 = BIP32Factory(ecc);
const mainnet = bitcoin.networks.bitcoin;

// SLIP-132 public/private version bytes per purpose.
const versions = {
  44: { public: 0x0488b21e, private: 0x0488ade4 },
  49: { public: 0x049d7cb2, private: 0x049d7878 },
  84: { public: 0x04b24746, private: 0x04b2430c },
  86: { public: 0x0488b21e, private: 0x0488ade4 },
};

function address(purpose, pubkey) {
  switch (purpose) {
    case 44:
      return bitcoin.payments.p2pkh({ pubkey, network: mainnet }).address;
    case 49:
      return bitcoin.payments.p2sh({
        redeem: bitcoin.payments.p2wpkh({ pubkey, network: mainnet }),
        network: mainnet,
      }).address;
    case 84:
      return bitcoin.payments.p2wpkh({ pubkey, network: mainnet }).address;
    case 86:
      return bitcoin.payments.p2tr({ internalPubkey: pubkey.slice(1, 33), network: mainnet }).address;
    default:
      throw new Error(`purpose ${purpose}`);
  }
}

const [count, ...seeds] = process.argv.slice(2);
const n = Number(count);
const out = [];
for (const seedHex of seeds) {
  for (const purpose of [44, 49, 84, 86]) {
    const network = { ...mainnet, bip32: versions[purpose] };
    const root = bip32.fromSeed(Buffer.from(seedHex, 'hex'), network);
    const account = root.derivePath(`m/${purpose}'/0'/0'`);
    const chain = (c) =>
      Array.from({ length: n }, (_, i) => address(purpose, Buffer.from(account.derive(c).derive(i).publicKey)));
    out.push({
      seed: seedHex,
      purpose,
      account_key: account.neutered().toBase58(),
      fingerprint: Buffer.from(root.fingerprint).toString('hex'),
      receive: chain(0),
      change: chain(1),
    });
  }
}
process.stdout.write(JSON.stringify(out));
