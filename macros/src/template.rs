//! Compile-time parsing of key templates such as `PROJECT#{project_id}#TASK#{task_id}`.

/// One `#`-separated segment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Segment {
    Literal(String),
    Field(String),
}

/// Parses a template; the error says what to change.
pub(crate) fn parse(source: &str) -> Result<Vec<Segment>, String> {
    if source.is_empty() {
        return Err("a key template cannot be empty".into());
    }
    source
        .split('#')
        .map(|segment| {
            if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let name = inner.trim();
                if name.is_empty()
                    || !name.chars().all(|c| c.is_alphanumeric() || c == '_')
                    || name.starts_with(|c: char| c.is_ascii_digit())
                {
                    return Err(format!("`{{{inner}}}` is not a field name"));
                }
                Ok(Segment::Field(name.to_owned()))
            } else if segment.contains(['{', '}']) {
                Err(format!(
                    "`{segment}`: a `{{field}}` must fill a whole `#`-separated segment, \
                     e.g. `USER#{{id}}`, not `USER_{{id}}`"
                ))
            } else if segment.is_empty() {
                Err("empty segment: remove the doubled, leading or trailing `#`".into())
            } else if let Some(c) = segment.chars().find(|&c| c <= '%') {
                Err(format!(
                    "`{segment}`: fixed text cannot contain {c:?} (characters up to `%` are \
                     reserved for escaping)"
                ))
            } else {
                Ok(Segment::Literal(segment.to_owned()))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let ok = |s: &str| parse(s).expect(s);
        assert_eq!(
            ok("PROJECT#{project_id}#TASK#{task_id}"),
            vec![
                Segment::Literal("PROJECT".into()),
                Segment::Field("project_id".into()),
                Segment::Literal("TASK".into()),
                Segment::Field("task_id".into()),
            ]
        );
        assert_eq!(ok("{id}"), vec![Segment::Field("id".into())]);
        assert_eq!(ok("PROFILE"), vec![Segment::Literal("PROFILE".into())]);
        for bad in [
            "",
            "A##B",
            "#A",
            "A#",
            "USER_{id}",
            "{}",
            "{1x}",
            "{a b}",
            "A B",
            "100%",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
