//! Compile-time parsing of key templates such as `PROJECT#{project_id}#TASK#{task_id}`.

/// One `#`-separated segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    /// Fixed text; empty only as the first segment of a template that starts with `#`.
    Literal(String),
    /// One `{field}`, with fixed text before or after it in the segment (`USER_{id}`).
    Field {
        name: String,
        prefix: String,
        suffix: String,
        /// What the key keeps of the field, after a colon: `{created_at:day}`,
        /// `{voter:shard(10)}`.
        bucket: Option<Cut>,
    },
}

/// A part that keeps less than the field's whole value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cut {
    /// A timestamp's `YYYY-MM-DD`.
    Day,
    /// A timestamp's `YYYY-MM`.
    Month,
    /// One of `n` shards, by a stable hash of the field's key encoding.
    Shard(u16),
}

/// The most shards a partition can be spread over: a sharded read queries every one.
pub(crate) const MAX_SHARDS: u16 = 1000;

fn parse_cut(inner: &str, cut: &str) -> Result<Cut, String> {
    match cut {
        "day" => return Ok(Cut::Day),
        "month" => return Ok(Cut::Month),
        _ => {}
    }
    let count = cut
        .strip_prefix("shard(")
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| {
            format!(
                "`{{{inner}}}`: a field can be cut to `:day`, `:month` or `:shard(N)`, not `:{cut}`"
            )
        })?;
    match count.trim().parse::<u16>() {
        Ok(n) if (2..=MAX_SHARDS).contains(&n) => Ok(Cut::Shard(n)),
        _ => Err(format!(
            "`{{{inner}}}`: the shard count must be a number from 2 to {MAX_SHARDS}"
        )),
    }
}

/// Parses a template; the error says what to change.
///
/// Accepted shapes: segments of fixed text or of one `{field}` with optional fixed text
/// around it (`USER_{id}`, `{target}REACTION`), and a leading `#` (`#REPO#{name}`, which
/// sorts before `REPO#…`: a parent item first). Fixed text may not contain characters up to
/// `%` (the escape range), so every key still splits back into its parts.
pub(crate) fn parse(source: &str) -> Result<Vec<Segment>, String> {
    if source.is_empty() {
        return Err("a key template cannot be empty".into());
    }
    let pieces: Vec<&str> = source.split('#').collect();
    if pieces.len() == 1 && pieces[0].is_empty() {
        return Err("a key template cannot be empty".into());
    }
    pieces
        .iter()
        .enumerate()
        .map(|(i, segment)| {
            if let Some(open) = segment.find('{') {
                let close = segment[open..]
                    .find('}')
                    .map(|c| open + c)
                    .ok_or_else(|| format!("`{segment}`: `{{` without `}}`"))?;
                let (prefix, inner, suffix) = (
                    &segment[..open],
                    &segment[open + 1..close],
                    &segment[close + 1..],
                );
                if prefix.contains(['{', '}']) || suffix.contains(['{', '}']) {
                    return Err(format!(
                        "`{segment}`: one `{{field}}` per `#`-separated segment, e.g. \
                         `A#{{a}}#B#{{b}}`"
                    ));
                }
                let (name, bucket) = match inner.split_once(':') {
                    Some((name, bucket)) => (name.trim(), Some(bucket.trim())),
                    None => (inner.trim(), None),
                };
                let bucket = bucket.map(|cut| parse_cut(inner, cut)).transpose()?;
                if name.is_empty()
                    || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
                    || name.starts_with(|c: char| c.is_ascii_digit())
                {
                    return Err(format!("`{{{inner}}}` is not a field name"));
                }
                for text in [prefix, suffix] {
                    check_text(segment, text)?;
                }
                Ok(Segment::Field {
                    name: name.to_owned(),
                    prefix: prefix.to_owned(),
                    suffix: suffix.to_owned(),
                    bucket,
                })
            } else if segment.contains('}') {
                Err(format!("`{segment}`: `}}` without `{{`"))
            } else if segment.is_empty() && i == 0 {
                // A leading `#`: the key starts with the delimiter.
                Ok(Segment::Literal(String::new()))
            } else if segment.is_empty() {
                Err("empty segment: remove the doubled or trailing `#`".into())
            } else {
                check_text(segment, segment)?;
                Ok(Segment::Literal((*segment).to_owned()))
            }
        })
        .collect()
}

fn check_text(segment: &str, text: &str) -> Result<(), String> {
    match text.chars().find(|&c| c <= '%') {
        Some(c) => Err(format!(
            "`{segment}`: fixed text cannot contain {c:?} (characters up to `%` are reserved \
             for escaping)"
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, prefix: &str, suffix: &str) -> Segment {
        Segment::Field {
            name: name.into(),
            prefix: prefix.into(),
            suffix: suffix.into(),
            bucket: None,
        }
    }

    #[test]
    fn parses_buckets() {
        assert_eq!(
            parse("DEALS#{created_at:day}").expect("parses"),
            vec![
                Segment::Literal("DEALS".into()),
                Segment::Field {
                    name: "created_at".into(),
                    prefix: String::new(),
                    suffix: String::new(),
                    bucket: Some(Cut::Day),
                }
            ]
        );
        assert_eq!(
            parse("VOTES#{candidate}#{voter:shard(10)}").expect("parses")[2],
            Segment::Field {
                name: "voter".into(),
                prefix: String::new(),
                suffix: String::new(),
                bucket: Some(Cut::Shard(10)),
            }
        );
        for bad in [
            "{at:week}",
            "{:day}",
            "{at:}",
            "{v:shard(1)}",
            "{v:shard(1001)}",
            "{v:shard()}",
            "{v:shard(x)}",
            "{v:shard(10}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn parses_and_rejects() {
        let ok = |s: &str| parse(s).expect(s);
        assert_eq!(
            ok("PROJECT#{project_id}#TASK#{task_id}"),
            vec![
                Segment::Literal("PROJECT".into()),
                field("project_id", "", ""),
                Segment::Literal("TASK".into()),
                field("task_id", "", ""),
            ]
        );
        assert_eq!(ok("{id}"), vec![field("id", "", "")]);
        assert_eq!(ok("PROFILE"), vec![Segment::Literal("PROFILE".into())]);
        assert_eq!(
            ok("#REPO#{name}"),
            vec![
                Segment::Literal(String::new()),
                Segment::Literal("REPO".into()),
                field("name", "", "")
            ]
        );
        assert_eq!(ok("USER_{id}"), vec![field("id", "USER_", "")]);
        assert_eq!(
            ok("{target}REACTION"),
            vec![field("target", "", "REACTION")]
        );
        assert_eq!(
            ok("#{at}"),
            vec![Segment::Literal(String::new()), field("at", "", "")]
        );
        for bad in [
            "", "#", "A##B", "A#", "{a}{b}", "X{a}Y{b}", "{}", "{1x}", "{a b}", "A B", "100%",
            "A {id}", "{id", "id}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
