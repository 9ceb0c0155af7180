//! EVM addresses: the canonical form we store (`0x` + 40 lowercase hex digits) and the
//! EIP-55 checksum check for addresses typed by users.

use sha3::{Digest, Keccak256};

/// Why a user-typed address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("must be 0x followed by 40 hexadecimal digits")]
    Malformed,
    #[error("mixed-case address with a wrong EIP-55 checksum (mistyped?)")]
    BadChecksum,
}

/// The canonical form of an address: trimmed, `0x`/`0X` + exactly 40 hex digits, lowercased.
/// Anything else is `None`. The checksum is not checked: use this on data from providers.
pub fn normalize(addr: &str) -> Option<String> {
    let hex = hex_part(addr)?;
    Some(format!("0x{}", hex.to_ascii_lowercase()))
}

/// Checks an address a user typed and returns its canonical (lowercase) form.
///
/// All-lowercase and all-uppercase hex carry no checksum and are accepted; mixed case must be
/// a correct EIP-55 checksum, otherwise [`AddressError::BadChecksum`].
pub fn validate_user_address(addr: &str) -> Result<String, AddressError> {
    let hex = hex_part(addr).ok_or(AddressError::Malformed)?;
    let has_lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let has_upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if has_lower && has_upper && checksum_hex(hex) != hex {
        return Err(AddressError::BadChecksum);
    }
    Ok(format!("0x{}", hex.to_ascii_lowercase()))
}

/// The EIP-55 mixed-case form of a valid address (for display), or `None` when malformed.
pub fn to_checksum(addr: &str) -> Option<String> {
    hex_part(addr).map(|hex| format!("0x{}", checksum_hex(hex)))
}

/// The 40 hex digits after the prefix, when `addr` is a well-formed address.
fn hex_part(addr: &str) -> Option<&str> {
    let t = addr.trim();
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"))?;
    (hex.len() == 40 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// EIP-55: a letter is uppercase when the matching nibble of keccak-256(lowercase hex) is ≥ 8.
fn checksum_hex(hex: &str) -> String {
    let lower = hex.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let byte = hash[i / 2];
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            if nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // From the EIP-55 specification.
    const VECTORS: [&str; 4] = [
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
    ];

    #[test]
    fn normalize_lowercases_and_trims() {
        assert_eq!(
            normalize("  0XFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9\n").as_deref(),
            Some("0xfd086bc7cd5c481dcc9c85ebe478a1c0b69fcbb9")
        );
    }

    #[test]
    fn normalize_rejects_anything_else() {
        for bad in [
            "",
            "0x",
            "31",
            "USDT-6D8",
            "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            "dac17f958d2ee523a2206206994597c13d831ec7",
            "0xdac17f958d2ee523a2206206994597c13d831ec",
            "0xdac17f958d2ee523a2206206994597c13d831ec7a",
            "0xdac17f958d2ee523a2206206994597c13d831ecg",
            "0x dac17f958d2ee523a2206206994597c13d831ec7",
            "1xdac17f958d2ee523a2206206994597c13d831ec7",
        ] {
            assert_eq!(normalize(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn eip55_vectors_are_accepted_and_reproduced() {
        for v in VECTORS {
            assert_eq!(to_checksum(&v.to_lowercase()).as_deref(), Some(v));
            assert_eq!(validate_user_address(v), Ok(v.to_lowercase()));
        }
    }

    #[test]
    fn single_case_addresses_need_no_checksum() {
        for v in VECTORS {
            let hex = &v[2..];
            let lower = format!("0x{}", hex.to_lowercase());
            let upper = format!("0x{}", hex.to_uppercase());
            assert_eq!(validate_user_address(&lower), Ok(lower.clone()));
            assert_eq!(validate_user_address(&upper), Ok(lower.clone()));
            assert_eq!(
                validate_user_address(&format!("0X{}", hex.to_uppercase())),
                Ok(lower)
            );
        }
    }

    #[test]
    fn wrong_checksum_is_a_distinct_error() {
        // One letter's case flipped.
        let bad = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD";
        assert_eq!(validate_user_address(bad), Err(AddressError::BadChecksum));
        assert_eq!(
            validate_user_address("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA"),
            Err(AddressError::Malformed)
        );
        assert_eq!(
            validate_user_address("not an address"),
            Err(AddressError::Malformed)
        );
    }

    proptest! {
        #[test]
        fn checksum_form_always_validates(hex in "[0-9a-f]{40}") {
            let addr = format!("0x{hex}");
            let cs = to_checksum(&addr).unwrap();
            prop_assert_eq!(validate_user_address(&cs), Ok(addr.clone()));
            prop_assert_eq!(normalize(&cs), Some(addr));
        }

        #[test]
        fn flipping_one_letter_breaks_the_checksum(hex in "[0-9a-f]{40}", pick in 0usize..40) {
            let cs = to_checksum(&format!("0x{hex}")).unwrap();
            let letters: Vec<usize> = cs[2..]
                .char_indices()
                .filter(|(_, c)| c.is_ascii_alphabetic())
                .map(|(i, _)| i + 2)
                .collect();
            prop_assume!(!letters.is_empty());
            let at = letters[pick % letters.len()];
            let mut flipped: Vec<char> = cs.chars().collect();
            flipped[at] = if flipped[at].is_ascii_uppercase() {
                flipped[at].to_ascii_lowercase()
            } else {
                flipped[at].to_ascii_uppercase()
            };
            let flipped: String = flipped.into_iter().collect();
            let single_case = {
                let h = &flipped[2..];
                !h.bytes().any(|b| b.is_ascii_lowercase()) || !h.bytes().any(|b| b.is_ascii_uppercase())
            };
            let expected = if single_case {
                Ok(format!("0x{hex}"))
            } else {
                Err(AddressError::BadChecksum)
            };
            prop_assert_eq!(validate_user_address(&flipped), expected);
        }
    }
}
