//! [`Plan`]: one write as plain data — rendered, validated, and ready for [`send`](super::send).

use super::classify::Outcome;
use super::guard::{Guards, ShapeRule, Target};
use crate::entity::PrimaryKey;
use crate::expr::{Action, Names, Node, Placeholders, Values, render_actions};
use crate::item::{Item, item_size};
use crate::{Error, InvalidInputKind};

/// DynamoDB's limit on each expression string.
pub(crate) const MAX_EXPRESSION_BYTES: usize = 4 * 1024;

/// What a write does to its item.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    /// Write the whole item.
    Put(Item),
    /// Apply an update expression.
    Update(String),
    /// Delete the item.
    Delete,
    /// Only require the condition (transactions).
    Check,
}

/// What a write does, before rendering.
#[derive(Debug, Clone)]
pub(crate) enum Write {
    Put(Item),
    Update(Vec<Action>),
    Delete,
    Check,
}

/// One write, rendered and validated: its key, operation, condition with placeholders, and
/// how to classify its failure. `Debug` leaves out the item and the expression values.
#[derive(Clone)]
pub(crate) struct Plan {
    pub(crate) target: Target,
    pub(crate) key: PrimaryKey,
    pub(crate) op: Op,
    pub(crate) condition: Option<String>,
    pub(crate) names: Option<Names>,
    pub(crate) values: Option<Values>,
    pub(crate) outcome: Outcome,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let op = match &self.op {
            Op::Put(item) => format!("Put({:?})", crate::Redacted::item(item)),
            Op::Update(expression) => format!("Update({expression:?})"),
            Op::Delete => "Delete".to_owned(),
            Op::Check => "Check".to_owned(),
        };
        f.debug_struct("Plan")
            .field("entity", &self.outcome.entity)
            .field("key", &self.key)
            .field("op", &format_args!("{op}"))
            .field("condition", &self.condition)
            .field("values", &self.values.as_ref().map_or(0, |v| v.len()))
            .finish_non_exhaustive()
    }
}

impl Plan {
    /// Renders `write` at `key` under `guards` (for `target`'s entity type) and validates the
    /// result; nothing invalid gets past this point.
    pub(crate) fn new(
        key: PrimaryKey,
        write: Write,
        guards: Guards,
        target: &Target,
        mut outcome: Outcome,
    ) -> Result<Self, Error> {
        match guards.shape_rule() {
            ShapeRule::Any => {}
            ShapeRule::Current => outcome.shape = target.shape,
            ShapeRule::Known => {
                outcome.shape = target.shape;
                outcome.oldest_accepted = Some(target.oldest_shape);
            }
        }
        let condition = guards.into_node(target);
        Self::with_condition(*target, key, write, Some(condition), outcome)
    }

    /// A plan with exactly `condition` (writes of no declared entity type: migrations,
    /// sentinels).
    pub(crate) fn with_condition(
        target: Target,
        key: PrimaryKey,
        write: Write,
        condition: Option<Node>,
        outcome: Outcome,
    ) -> Result<Self, Error> {
        let mut p = Placeholders::default();
        let op = match write {
            Write::Put(item) => {
                check_item(&item)?;
                Op::Put(item)
            }
            Write::Update(actions) => {
                let expression = render_actions(actions, &mut p)?;
                check_expression("update", &expression)?;
                Op::Update(expression)
            }
            Write::Delete => Op::Delete,
            Write::Check => Op::Check,
        };
        let condition = match condition {
            Some(node) => {
                let text = crate::expr::render_condition(&node, &mut p)?;
                check_expression("condition", &text)?;
                Some(text)
            }
            None => None,
        };
        let (names, values) = p.into_maps();
        let mut value_bytes = 0;
        for value in values.iter().flat_map(|v| v.values()) {
            crate::value_check::check_value(value)
                .map_err(|problem| problem.into_error("an expression value"))?;
            value_bytes += crate::item::value_size(value);
        }
        if matches!(op, Op::Update(_)) && value_bytes > crate::item::MAX_ITEM_BYTES {
            // What an update sets can never be larger than the item it is written into.
            return Err(Error::ItemTooLarge {
                entity: outcome.entity,
                size: value_bytes,
                max: crate::item::MAX_ITEM_BYTES,
            });
        }
        Ok(Self {
            target,
            key,
            op,
            condition,
            names,
            values,
            outcome,
        })
    }

    /// The bytes this write adds to a transaction, as DynamoDB's 4 MB limit counts them
    /// (an estimate on the safe side: key, item or expression, and every value).
    pub(crate) fn size(&self) -> usize {
        let key = self.key.partition_key.len() + self.key.sort_key.as_ref().map_or(0, String::len);
        let op = match &self.op {
            Op::Put(item) => item_size(item),
            Op::Update(expression) => expression.len(),
            Op::Delete | Op::Check => 0,
        };
        let condition = self.condition.as_ref().map_or(0, String::len);
        let names: usize = self
            .names
            .iter()
            .flatten()
            .map(|(k, v)| k.len() + v.len())
            .sum();
        let values: usize = self
            .values
            .iter()
            .flatten()
            .map(|(k, v)| k.len() + crate::item::value_size(v))
            .sum();
        key + op + condition + names + values
    }
}

/// Items are checked where they are built (`to_item`: keys, 400 KB); here the values.
fn check_item(item: &Item) -> Result<(), Error> {
    crate::value_check::check_item(item).map_err(|problem| problem.into_error("an item"))
}

fn check_expression(what: &'static str, text: &str) -> Result<(), Error> {
    if text.len() > MAX_EXPRESSION_BYTES {
        return Err(Error::invalid(
            InvalidInputKind::ExpressionTooLarge,
            format!(
                "the {what} expression is {} bytes; DynamoDB allows at most {MAX_EXPRESSION_BYTES}",
                text.len()
            ),
        ));
    }
    Ok(())
}

/// DynamoDB's limits for one TransactWriteItems request.
pub(crate) const MAX_TRANSACTION_ACTIONS: usize = 100;
pub(crate) const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;

/// Checks a transaction before it is sent: 1 to 100 actions, no two on one item, at most
/// 4 MB counting every action (puts, updates, deletes and checks alike).
pub(crate) fn check_transaction(actions: &[(String, Plan)]) -> Result<(), Error> {
    if actions.is_empty() || actions.len() > MAX_TRANSACTION_ACTIONS {
        return Err(Error::invalid(
            InvalidInputKind::ActionCount,
            format!(
                "a transaction takes 1 to {MAX_TRANSACTION_ACTIONS} actions, got {}",
                actions.len()
            ),
        ));
    }
    let mut targets = std::collections::HashSet::with_capacity(actions.len());
    for (index, (table, plan)) in actions.iter().enumerate() {
        if !targets.insert((table, &plan.key)) {
            return Err(Error::invalid_for(
                plan.outcome.entity,
                InvalidInputKind::DuplicateKey,
                format!(
                    "action {index} (`{}`) targets an item another action of the transaction \
                 already targets; DynamoDB rejects that",
                    plan.outcome.entity
                ),
            ));
        }
    }
    let size: usize = actions
        .iter()
        .map(|(table, plan)| table.len() + plan.size())
        .sum();
    if size > MAX_TRANSACTION_BYTES {
        return Err(Error::invalid(
            InvalidInputKind::TransactionTooLarge,
            format!(
                "the transaction is {size} bytes; DynamoDB allows at most {MAX_TRANSACTION_BYTES}"
            ),
        ));
    }
    Ok(())
}
