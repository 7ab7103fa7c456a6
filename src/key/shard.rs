//! Shard numbers for `{field:shard(N)}` parts: a stable hash of the field's key encoding.
//!
//! The hash decides where items are stored, so it may never change: it is FNV-1a (64-bit),
//! written out here rather than taken from a crate or from `std`, whose hasher is
//! explicitly unstable across releases.

/// 64-bit FNV-1a: stable across builds, platforms and releases.
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// The shard (`0..count`) a key part falls in, from its key encoding (what its
/// [`KeyPart`](crate::KeyPart) writes): the same on every machine and in every release.
///
/// ```
/// use dynamorm::key::shard_of;
/// let shard = shard_of("alice", 10);
/// assert!(shard < 10);
/// assert_eq!(shard, shard_of("alice", 10)); // stable
/// ```
pub fn shard_of(encoded: &str, count: u16) -> u16 {
    let count = count.max(1);
    // The remainder is below `count`, so it fits.
    u16::try_from(fnv1a(encoded.as_bytes()) % u64::from(count)).unwrap_or(0)
}

/// How many digits the largest shard number of `count` has.
fn width(count: u16) -> usize {
    count.saturating_sub(1).max(1).ilog10() as usize + 1
}

/// Appends `shard` zero-padded to the width of `count`'s largest shard.
pub(crate) fn write_shard(out: &mut String, shard: u16, count: u16) {
    let digits = shard.to_string();
    for _ in digits.len()..width(count) {
        out.push('0');
    }
    out.push_str(&digits);
}

/// Whether `text` is a shard number of `count`, as [`write_shard`] writes it.
pub(crate) fn is_shard(text: &str, count: u16) -> bool {
    text.len() == width(count)
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u16>().is_ok_and(|n| n < count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_stable_fixed_width_and_spread() {
        // Pinned: a changed hash would move stored items to other partitions.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let mut key = String::new();
        write_shard(&mut key, 3, 10);
        write_shard(&mut key, 3, 100);
        write_shard(&mut key, 99, 100);
        write_shard(&mut key, 7, 1000);
        assert_eq!(key, "30399007");
        assert!(is_shard("09", 100) && !is_shard("9", 100) && !is_shard("10", 10));
        assert!(!is_shard("1a", 100) && !is_shard("+1", 100) && is_shard("9", 10));
        let mut counts = [0u32; 10];
        for i in 0..10_000 {
            counts[usize::from(shard_of(&format!("user-{i}"), 10))] += 1;
        }
        assert!(
            counts.iter().all(|&c| (800..1200).contains(&c)),
            "{counts:?}"
        );
    }
}
