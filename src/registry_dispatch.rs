//! Compile-time tables behind `#[derive(Registry)]`: the variants' discriminators are sorted
//! once, at compile time, so the uniqueness check is one pass over neighbours (not a check
//! per pair of variants) and `decode_as` finds an item's variant by binary search.

use core::cmp::Ordering;

/// `(discriminator, variant index)` for every variant of a registry, sorted by
/// discriminator as `str`'s `Ord` sorts (byte-wise), ties in variant order.
pub type DiscriminatorTable<const N: usize> = [(&'static str, usize); N];

/// The variants' discriminators `names` (in variant order) with their indexes, sorted.
///
/// A heap sort: O(n log n) steps at compile time however many variants a registry has.
pub const fn sort_discriminators<const N: usize>(
    names: [&'static str; N],
) -> DiscriminatorTable<N> {
    let mut table = [("", 0); N];
    let mut i = 0;
    while i < N {
        table[i] = (names[i], i);
        i += 1;
    }
    let mut start = N / 2;
    while start > 0 {
        start -= 1;
        sift_down(&mut table, start, N);
    }
    let mut end = N;
    while end > 1 {
        end -= 1;
        table.swap(0, end);
        sift_down(&mut table, 0, end);
    }
    table
}

/// Restores the max-heap below `root` in `table[..end]`.
const fn sift_down(table: &mut [(&'static str, usize)], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && less(table[child], table[child + 1]) {
            child += 1;
        }
        if !less(table[root], table[child]) {
            return;
        }
        table.swap(root, child);
        root = child;
    }
}

/// The table's order: by discriminator, then by variant index.
const fn less(a: (&str, usize), b: (&str, usize)) -> bool {
    match compare(a.0.as_bytes(), b.0.as_bytes()) {
        Ordering::Less => true,
        Ordering::Greater => false,
        Ordering::Equal => a.1 < b.1,
    }
}

/// `a.cmp(b)` in a `const fn`.
const fn compare(a: &[u8], b: &[u8]) -> Ordering {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        i += 1;
    }
    if a.len() < b.len() {
        Ordering::Less
    } else if a.len() > b.len() {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// Two variants with one discriminator, `(earlier, later)` in variant order: of the
/// variants whose discriminator a later one repeats, the first, and the first that
/// repeats it. `None` when every discriminator is unique.
pub const fn duplicate_discriminator(sorted: &[(&str, usize)]) -> Option<(usize, usize)> {
    let mut found: Option<(usize, usize)> = None;
    let mut i = 0;
    while i + 1 < sorted.len() {
        let same = matches!(
            compare(sorted[i].0.as_bytes(), sorted[i + 1].0.as_bytes()),
            Ordering::Equal
        );
        let first_of_run = i == 0
            || !matches!(
                compare(sorted[i - 1].0.as_bytes(), sorted[i].0.as_bytes()),
                Ordering::Equal
            );
        if same && first_of_run {
            let pair = (sorted[i].1, sorted[i + 1].1);
            found = match found {
                Some(earlier) if earlier.0 < pair.0 => Some(earlier),
                _ => Some(pair),
            };
        }
        i += 1;
    }
    found
}

/// The variant index of `discriminator` in a sorted, duplicate-free table.
pub fn find_discriminator(sorted: &[(&'static str, usize)], discriminator: &str) -> Option<usize> {
    sorted
        .binary_search_by(|(name, _)| (*name).cmp(discriminator))
        .ok()
        .map(|at| sorted[at].1)
}

/// How long a duplicate-discriminator message may be; longer ones (absurd variant names)
/// fall back to a message without the names.
const MESSAGE_CAPACITY: usize = 512;

/// "variants `A` and `B` have the same discriminator; ..", assembled at compile time (a
/// `const` panic takes one `&str`, not format arguments).
#[derive(Debug)]
pub struct DuplicateMessage {
    bytes: [u8; MESSAGE_CAPACITY],
    len: usize,
    overflow: bool,
}

impl DuplicateMessage {
    /// The message for variants `first` and `second`.
    pub const fn new(first: &str, second: &str) -> Self {
        let message = DuplicateMessage {
            bytes: [0; MESSAGE_CAPACITY],
            len: 0,
            overflow: false,
        };
        message
            .push("variants `")
            .push(first)
            .push("` and `")
            .push(second)
            .push(
                "` have the same discriminator; give one a different \
                 `#[dynamo(name = \"...\")]`",
            )
    }

    const fn push(mut self, text: &str) -> Self {
        let text = text.as_bytes();
        if self.len + text.len() > MESSAGE_CAPACITY {
            self.overflow = true;
            return self;
        }
        let mut i = 0;
        while i < text.len() {
            self.bytes[self.len + i] = text[i];
            i += 1;
        }
        self.len += text.len();
        self
    }

    /// The message as text.
    pub const fn as_str(&self) -> &str {
        const FALLBACK: &str = "two variants have the same discriminator; give one a different \
                                `#[dynamo(name = \"...\")]`";
        if self.overflow {
            return FALLBACK;
        }
        match core::str::from_utf8(self.bytes.split_at(self.len).0) {
            Ok(message) => message,
            Err(_) => FALLBACK,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_str_and_finds_every_variant() {
        const NAMES: [&str; 6] = ["Task", "User", "Comment", "Project", "tenant", "Task2"];
        const SORTED: DiscriminatorTable<6> = sort_discriminators(NAMES);
        let mut expected: Vec<(&str, usize)> = NAMES.iter().copied().zip(0..).collect();
        expected.sort();
        assert_eq!(SORTED.to_vec(), expected);
        for (index, name) in NAMES.iter().enumerate() {
            assert_eq!(find_discriminator(&SORTED, name), Some(index), "{name}");
        }
        for unknown in ["", "Tas", "Task3", "zzz", "Comment "] {
            assert_eq!(find_discriminator(&SORTED, unknown), None, "{unknown:?}");
        }
        assert_eq!(duplicate_discriminator(&SORTED), None);
        assert_eq!(sort_discriminators::<0>([]), []);
    }

    #[test]
    fn reports_the_first_variant_a_later_one_repeats() {
        // (discriminators in variant order, the pair reported)
        type Case = (&'static [&'static str], Option<(usize, usize)>);
        let cases: &[Case] = &[
            (&["A", "B", "A"], Some((0, 2))),
            (&["B", "A", "B", "A"], Some((0, 2))),
            (&["A", "B", "B", "A"], Some((0, 3))),
            (&["C", "B", "B", "B"], Some((1, 2))),
            (&["A", "B", "C"], None),
        ];
        for (names, expected) in cases {
            let mut table: Vec<(&'static str, usize)> = names.iter().copied().zip(0..).collect();
            table.sort();
            assert_eq!(duplicate_discriminator(&table), *expected, "{names:?}");
        }
    }

    #[test]
    fn message_names_both_variants() {
        const MESSAGE: DuplicateMessage = DuplicateMessage::new("Task", "Todo");
        assert_eq!(
            MESSAGE.as_str(),
            "variants `Task` and `Todo` have the same discriminator; give one a different \
             `#[dynamo(name = \"...\")]`"
        );
        let long = "x".repeat(600);
        assert!(
            DuplicateMessage::new(&long, "B")
                .as_str()
                .starts_with("two variants")
        );
    }
}
