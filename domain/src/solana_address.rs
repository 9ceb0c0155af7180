//! Solana addresses: base58 (Bitcoin alphabet) text of a 32-byte public key. Stored exactly as
//! typed, trimmed (base58 is case-sensitive; there is no checksum to check).

const ALPHABET: &[u8; 58] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// Why a text is not a Solana address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("is empty")]
    Empty,
    #[error("has {0:?}, which is not a base58 character (base58 has no 0, O, I or l)")]
    BadCharacter(char),
    #[error("decodes to {0} bytes, not the 32 of a Solana public key")]
    WrongLength(usize),
}

/// Decodes base58 text (leading `1`s are zero bytes).
pub fn decode(text: &str) -> Result<Vec<u8>, AddressError> {
    // Big-endian base-256 digits of the number, built one base58 digit at a time.
    let mut bytes: Vec<u8> = Vec::with_capacity(text.len());
    for c in text.chars() {
        let digit = u8::try_from(c)
            .ok()
            .and_then(|b| ALPHABET.iter().position(|&a| a == b))
            .ok_or(AddressError::BadCharacter(c))?;
        let mut carry = digit as u32;
        for b in bytes.iter_mut().rev() {
            carry += (*b as u32) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = text.bytes().take_while(|&b| b == b'1').count();
    let mut out = vec![0u8; zeros];
    out.extend(bytes);
    Ok(out)
}

/// Encodes bytes as base58 (for tests and fixtures).
pub fn encode(bytes: &[u8]) -> String {
    let mut digits: Vec<u8> = Vec::new(); // base58 digits, little-endian
    for &b in bytes {
        let mut carry = b as u32;
        for d in digits.iter_mut() {
            carry += (*d as u32) << 8;
            *d = (carry % 58) as u8;
            carry /= 58;
        }
        while carry > 0 {
            digits.push((carry % 58) as u8);
            carry /= 58;
        }
    }
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    let mut s = "1".repeat(zeros);
    s.extend(digits.iter().rev().map(|&d| ALPHABET[d as usize] as char));
    s
}

/// Checks a user-typed address: trimmed, base58, 32 bytes decoded. Returns the stored form.
pub fn validate(text: &str) -> Result<String, AddressError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(AddressError::Empty);
    }
    // 32 bytes are at most 44 base58 characters: refuse long input before decoding it.
    if t.len() > 88 {
        return Err(AddressError::WrongLength(t.len() * 3 / 4));
    }
    let bytes = decode(t)?;
    if bytes.len() != 32 {
        return Err(AddressError::WrongLength(bytes.len()));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_decode_to_32_bytes() {
        for k in [
            "11111111111111111111111111111111",
            "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
            "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
            "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
            "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
        ] {
            assert_eq!(validate(k).unwrap(), k);
            assert_eq!(encode(&decode(k).unwrap()), k);
        }
        assert_eq!(
            decode("11111111111111111111111111111111").unwrap(),
            [0u8; 32]
        );
    }

    #[test]
    fn malformed_addresses_say_why() {
        assert_eq!(validate("  "), Err(AddressError::Empty));
        assert_eq!(
            validate("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"),
            Err(AddressError::BadCharacter('0'))
        );
        assert_eq!(
            validate("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDtlv"),
            Err(AddressError::BadCharacter('l'))
        );
        assert!(matches!(
            validate("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt"),
            Err(AddressError::WrongLength(n)) if n < 32
        ));
        assert!(matches!(
            validate("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1vv"),
            Err(AddressError::WrongLength(n)) if n > 32
        ));
        assert!(validate(&"z".repeat(500)).is_err());
    }

    #[test]
    fn encode_and_decode_round_trip() {
        for bytes in [
            vec![],
            vec![0, 0, 1],
            vec![255; 32],
            (0..32).collect::<Vec<u8>>(),
        ] {
            assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }
    }
}
