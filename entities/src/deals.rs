//! A second sample domain: **Big Time Deals**, chapter 20 of *The DynamoDB Book* (Alex
//! DeBrie) — a deals site with brands, categories, likes, watches, featured pages, users and
//! messages, in one table with three overloaded indexes and a sparse users index.
//!
//! Entity declarations: **120 lines** here (the `#[derive]`/`#[dynamo]`/`#[serde]`
//! attributes, struct lines and fields of the 12 entities, plus the table and the
//! `FeaturedDeal` value type; blank and comment lines not counted) against **333** for
//! the same entities in modyne's `dynamodb-book/ch20-bigtimedeals/src/lib.rs` (its structs
//! and their `impl Entity`/`impl IndexKey` blocks, counted the same way — lines 628–975 and
//! 1004–1038 of that file at commit `2985004`; 433 with its table declaration and id
//! types); the test `big_time_deals::the_declarations_take_the_lines_the_header_states`
//! recounts it. No stored field exists only to feed
//! a key: the day partitions are computed from `created_at` (`{created_at:day}`), the
//! unread index follows the `unread` flag (`when = unread`), the users index is the
//! `UserIndex` key attribute itself, and ids are generated, time-ordered [`TimeId`]s (the
//! book's KSUIDs).
//!
//! | access pattern | where | how |
//! |---|---|---|
//! | create a deal (id generated) | table | [`create_deal`] |
//! | a deal | table | [`deal`] |
//! | latest deals, walking back day by day (up to 5 days, 25 deals) | `GSI1` `DEALS#{day}` | [`latest_deals`] |
//! | latest deals of a brand / a category | `GSI2` `BRAND#{brand}#{day}` / `GSI3` `CATEGORY#{category}#{day}` | [`latest_brand_deals`], [`latest_category_deals`] |
//! | create a brand (and add it to the set of all brands) | table, transaction | [`create_brand`] |
//! | all brands | table, singleton `BRANDS` | [`all_brands`] |
//! | create a category | table | [`create_category`] |
//! | front page, editor's choice, a category's featured deals | table, singletons | [`set_front_page`], [`front_page`], [`set_editors_choice`], [`editors_choice`], [`set_category_featured`] |
//! | like a brand / category (once per user, counted) | table, transaction | [`like_brand`], [`like_category`] |
//! | watch a brand / category (once per user, counted) | table, transaction | [`watch_brand`], [`watch_category`] |
//! | a brand's / category's watchers | table, `BRANDWATCH#{brand}` | [`brand_watchers`], [`category_watchers`] |
//! | create a user (name unique) | table | [`create_user`] |
//! | all users, parallel scan | sparse `UserIndex` | [`all_users`] |
//! | send a message; a user's messages, newest first | table | [`send_message`], [`messages`] |
//! | a user's unread messages; mark one read | sparse `GSI1` (only while unread) | [`unread_messages`], [`mark_read`] |
//! | send a hot deal to every user; a brand's new deal to its watchers | scan / query + batch | [`send_hot_deal`], [`notify_brand_watchers`] |

// Clippy reads the three indexes' identical `sk = "DEAL#{id}"` as one attribute written
// three times (`duplicated_attributes`); they are three indexes.
#![allow(clippy::duplicated_attributes)]

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use dynamorm::{Db, Entity, Error, Registry, Table, TimeId};
use serde::{Deserialize, Serialize};

// ---- entity declarations (counted in the header) --------------------------------------

/// The table: three overloaded indexes and a sparse index of users.
#[derive(Debug, Table)]
#[dynamo(name = "big_time_deals")]
#[dynamo(
    index(GSI1, pk = "GSI1PK", sk = "GSI1SK"),
    index(GSI2, pk = "GSI2PK", sk = "GSI2SK")
)]
#[dynamo(
    index(GSI3, pk = "GSI3PK", sk = "GSI3SK"),
    index(UserIndex, pk = "UserIndex")
)]
pub struct Deals;

/// A deal, in the day partitions of three indexes: all deals, its brand's, its category's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "DEAL#{id}", sk = "DEAL#{id}")]
#[dynamo(index(GSI1, pk = "DEALS#{created_at:day}", sk = "DEAL#{id}"))]
#[dynamo(index(GSI2, pk = "BRAND#{brand}#{created_at:day}", sk = "DEAL#{id}"))]
#[dynamo(index(GSI3, pk = "CATEGORY#{category}#{created_at:day}", sk = "DEAL#{id}"))]
pub struct Deal {
    /// Generated on [`create_deal`]: time-ordered, so a day lists its deals by time.
    #[dynamo(generated)]
    #[serde(default)]
    pub id: TimeId,
    /// Title.
    pub title: String,
    /// Link to the offer.
    pub link: String,
    /// Price.
    pub price: f64,
    /// Brand name.
    pub brand: String,
    /// Category name.
    pub category: String,
    /// When the deal was posted (its day picks the partitions).
    pub created_at: DateTime<Utc>,
}

/// A brand, with its like and watch counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "BRAND#{name}", sk = "BRAND#{name}")]
pub struct Brand {
    /// Name.
    pub name: String,
    /// Logo.
    pub logo_url: String,
    /// Likes (kept by [`like_brand`]).
    #[serde(default)]
    pub likes: u32,
    /// Watchers (kept by [`watch_brand`]).
    #[serde(default)]
    pub watchers: u32,
}

/// One user's like of a brand: its key makes a second like fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "BRANDLIKE#{brand}#{user}", sk = "BRANDLIKE#{brand}#{user}")]
pub struct BrandLike {
    /// Brand name.
    pub brand: String,
    /// User name.
    pub user: String,
}

/// One user watching a brand: a brand's watchers are one partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "BRANDWATCH#{brand}", sk = "USER#{user}")]
pub struct BrandWatch {
    /// Brand name.
    pub brand: String,
    /// User name.
    pub user: String,
}

/// The set of all brand names (a singleton).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "BRANDS", sk = "BRANDS")]
pub struct Brands {
    /// Brand names, stored as a string set.
    #[serde(
        with = "dynamorm::string_set",
        default,
        skip_serializing_if = "BTreeSet::is_empty"
    )]
    pub names: BTreeSet<String>,
}

/// A category, with its featured deals and like and watch counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "CATEGORY#{name}", sk = "CATEGORY#{name}")]
pub struct Category {
    /// Name.
    pub name: String,
    /// Featured deals (copied, as the book does).
    #[serde(default)]
    pub featured: Vec<FeaturedDeal>,
    /// Likes.
    #[serde(default)]
    pub likes: u32,
    /// Watchers.
    #[serde(default)]
    pub watchers: u32,
}

/// One user's like of a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "CATEGORYLIKE#{category}#{user}", sk = "CATEGORYLIKE#{category}#{user}")]
pub struct CategoryLike {
    /// Category name.
    pub category: String,
    /// User name.
    pub user: String,
}

/// One user watching a category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "CATEGORYWATCH#{category}", sk = "USER#{user}")]
pub struct CategoryWatch {
    /// Category name.
    pub category: String,
    /// User name.
    pub user: String,
}

/// The front page's featured deals (a singleton).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "FRONTPAGE", sk = "FRONTPAGE")]
pub struct FrontPage {
    /// Featured deals.
    #[serde(default)]
    pub featured: Vec<FeaturedDeal>,
}

/// The editor's choice page (a singleton).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "EDITORSCHOICE", sk = "EDITORSCHOICE")]
pub struct EditorsChoice {
    /// Featured deals.
    #[serde(default)]
    pub featured: Vec<FeaturedDeal>,
}

/// A user, in the sparse `UserIndex` (only users have its key): a parallel scan of it
/// reaches every user and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "USER#{name}", sk = "USER#{name}")]
#[dynamo(index(UserIndex, pk = "USER#{name}"))]
pub struct User {
    /// User name (unique: the key).
    pub name: String,
    /// Set by the library when the user is created.
    #[dynamo(created_at)]
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
}

/// A message to a user, in the sparse unread index while `unread`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Entity)]
#[dynamo(table = Deals, pk = "MESSAGES#{user}", sk = "MESSAGE#{id}")]
#[dynamo(index(GSI1, pk = "MESSAGES#{user}", sk = "MESSAGE#{id}", when = unread))]
pub struct Message {
    /// Recipient.
    pub user: String,
    /// Generated, time-ordered.
    #[dynamo(generated)]
    #[serde(default)]
    pub id: TimeId,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Unread (in `GSI1` while true).
    pub unread: bool,
}

/// A deal as copied onto a featured page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeaturedDeal {
    /// The deal.
    pub id: TimeId,
    /// Its title.
    pub title: String,
}

// ---- end of entity declarations ---------------------------------------------------------

/// Every entity type of the table, for scans, streams and migrations.
#[derive(Debug, Clone, PartialEq, Registry)]
#[dynamo(table = Deals)]
pub enum DealsItem {
    /// A deal.
    Deal(Deal),
    /// A brand.
    Brand(Brand),
    /// A brand like.
    BrandLike(BrandLike),
    /// A brand watch.
    BrandWatch(BrandWatch),
    /// All brands.
    Brands(Brands),
    /// A category.
    Category(Category),
    /// A category like.
    CategoryLike(CategoryLike),
    /// A category watch.
    CategoryWatch(CategoryWatch),
    /// The front page.
    FrontPage(FrontPage),
    /// Editor's choice.
    EditorsChoice(EditorsChoice),
    /// A user.
    User(User),
    /// A message.
    Message(Message),
}

/// How many deals a "latest deals" page holds, and how many days it walks back at most.
pub const PAGE: usize = 25;
/// Days a "latest deals" query walks back at most.
pub const DAYS_BACK: u32 = 5;

/// Creates the singletons the other operations update (the set of all brands). Safe to
/// call more than once.
pub async fn install(db: &Db<Deals>) -> Result<(), Error> {
    match db.create(&Brands::default()).send().await {
        Ok(()) | Err(Error::AlreadyExists { .. }) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates a deal, generating its time-ordered id; returns it with the id.
pub async fn create_deal(db: &Db<Deals>, deal: Deal) -> Result<Deal, Error> {
    db.insert(deal).send().await
}

/// A deal by id.
pub async fn deal(db: &Db<Deals>, id: TimeId) -> Result<Option<Deal>, Error> {
    db.get(DealKey { id }).send().await
}

/// The latest deals posted on `day` or up to [`DAYS_BACK`] − 1 days before, newest first,
/// at most `limit`; `last_seen` continues after a deal already shown.
pub async fn latest_deals(
    db: &Db<Deals>,
    day: DateTime<Utc>,
    last_seen: Option<TimeId>,
    limit: usize,
) -> Result<Vec<Deal>, Error> {
    let a = Deal::attrs();
    walk_back(day, last_seen, limit, |day| {
        db.query(a.created_at.day(day)).index(Deals::GSI1)
    })
    .await
}

/// As [`latest_deals`], for one brand.
pub async fn latest_brand_deals(
    db: &Db<Deals>,
    brand: &str,
    day: DateTime<Utc>,
    last_seen: Option<TimeId>,
    limit: usize,
) -> Result<Vec<Deal>, Error> {
    let a = Deal::attrs();
    walk_back(day, last_seen, limit, |day| {
        db.query((a.brand.is(brand), a.created_at.day(day)))
            .index(Deals::GSI2)
    })
    .await
}

/// As [`latest_deals`], for one category.
pub async fn latest_category_deals(
    db: &Db<Deals>,
    category: &str,
    day: DateTime<Utc>,
    last_seen: Option<TimeId>,
    limit: usize,
) -> Result<Vec<Deal>, Error> {
    let a = Deal::attrs();
    walk_back(day, last_seen, limit, |day| {
        db.query((a.category.is(category), a.created_at.day(day)))
            .index(Deals::GSI3)
    })
    .await
}

/// Queries the partition of `day`, then of the day before, … for up to [`DAYS_BACK`] days,
/// each newest first and after `last_seen`, until `limit` deals.
async fn walk_back(
    day: DateTime<Utc>,
    last_seen: Option<TimeId>,
    limit: usize,
    partition: impl Fn(DateTime<Utc>) -> dynamorm::Query<Deal>,
) -> Result<Vec<Deal>, Error> {
    let mut deals = Vec::new();
    for back in 0..DAYS_BACK {
        let remaining = limit - deals.len();
        if remaining == 0 {
            break;
        }
        let mut query = partition(day - Duration::days(back.into()))
            .descending()
            .limit(remaining);
        if let Some(id) = last_seen {
            query = query.sort_lt(Deal::attrs().id.is(id));
        }
        deals.extend(query.all().await?);
    }
    Ok(deals)
}

/// Creates a brand and adds its name to the set of all brands, in one transaction (a taken
/// name cancels it on the create: nothing is written).
pub async fn create_brand(db: &Db<Deals>, brand: &Brand) -> Result<(), Error> {
    db.transact_write()
        .action(db.create(brand))
        .action(
            db.update(BrandsKey {})
                .add_to_set(Brands::attrs().names, [brand.name.clone()]),
        )
        .send()
        .await
}

/// Every brand name.
pub async fn all_brands(db: &Db<Deals>) -> Result<BTreeSet<String>, Error> {
    Ok(db
        .get(BrandsKey {})
        .send()
        .await?
        .map(|b| b.names)
        .unwrap_or_default())
}

/// Creates a category.
pub async fn create_category(db: &Db<Deals>, category: &Category) -> Result<(), Error> {
    db.create(category).send().await
}

/// Replaces the front page's featured deals.
pub async fn set_front_page(db: &Db<Deals>, featured: Vec<FeaturedDeal>) -> Result<(), Error> {
    db.put(&FrontPage { featured }).send().await
}

/// The front page (empty before it is first set).
pub async fn front_page(db: &Db<Deals>) -> Result<FrontPage, Error> {
    Ok(db.get(FrontPageKey {}).send().await?.unwrap_or_default())
}

/// Replaces the editor's choice.
pub async fn set_editors_choice(db: &Db<Deals>, featured: Vec<FeaturedDeal>) -> Result<(), Error> {
    db.put(&EditorsChoice { featured }).send().await
}

/// The editor's choice (empty before it is first set).
pub async fn editors_choice(db: &Db<Deals>) -> Result<EditorsChoice, Error> {
    Ok(db
        .get(EditorsChoiceKey {})
        .send()
        .await?
        .unwrap_or_default())
}

/// Replaces a category's featured deals (the category must exist).
pub async fn set_category_featured(
    db: &Db<Deals>,
    category: &str,
    featured: Vec<FeaturedDeal>,
) -> Result<Category, Error> {
    let key = CategoryKey {
        name: category.into(),
    };
    db.update(key)
        .set(Category::attrs().featured, featured)
        .send()
        .await
}

/// A user likes a brand: the like is created and the brand's count incremented together;
/// a second like by the same user creates and counts nothing (the transaction is
/// canceled on the like's create), nor does a like of a missing brand.
pub async fn like_brand(db: &Db<Deals>, brand: &str, user: &str) -> Result<(), Error> {
    let like = BrandLike {
        brand: brand.into(),
        user: user.into(),
    };
    let count = db.update(BrandKey { name: brand.into() });
    once_and_counted(db, db.create(&like), count.add(Brand::attrs().likes, 1)).await
}

/// A user watches a brand (once; counted), as [`like_brand`].
pub async fn watch_brand(db: &Db<Deals>, brand: &str, user: &str) -> Result<(), Error> {
    let watch = BrandWatch {
        brand: brand.into(),
        user: user.into(),
    };
    let count = db.update(BrandKey { name: brand.into() });
    once_and_counted(db, db.create(&watch), count.add(Brand::attrs().watchers, 1)).await
}

/// A user likes a category, as [`like_brand`].
pub async fn like_category(db: &Db<Deals>, category: &str, user: &str) -> Result<(), Error> {
    let like = CategoryLike {
        category: category.into(),
        user: user.into(),
    };
    let count = db.update(CategoryKey {
        name: category.into(),
    });
    once_and_counted(db, db.create(&like), count.add(Category::attrs().likes, 1)).await
}

/// A user watches a category, as [`like_brand`].
pub async fn watch_category(db: &Db<Deals>, category: &str, user: &str) -> Result<(), Error> {
    let watch = CategoryWatch {
        category: category.into(),
        user: user.into(),
    };
    let count = db.update(CategoryKey {
        name: category.into(),
    });
    once_and_counted(
        db,
        db.create(&watch),
        count.add(Category::attrs().watchers, 1),
    )
    .await
}

/// The book's "count once" pattern: the marker item is created (it must not exist) and the
/// counter incremented (its item must exist) in one transaction, so neither happens alone.
async fn once_and_counted<M: Entity, C: Entity>(
    db: &Db<Deals>,
    marker: dynamorm::Put<M>,
    count: dynamorm::Update<C>,
) -> Result<(), Error> {
    db.transact_write()
        .action(marker)
        .action(count)
        .send()
        .await
}

/// The users watching a brand, by name.
pub async fn brand_watchers(db: &Db<Deals>, brand: &str) -> Result<Vec<String>, Error> {
    let watches = db.query(BrandWatch::attrs().brand.is(brand)).all().await?;
    Ok(watches.into_iter().map(|w| w.user).collect())
}

/// The users watching a category, by name.
pub async fn category_watchers(db: &Db<Deals>, category: &str) -> Result<Vec<String>, Error> {
    let watches = db
        .query(CategoryWatch::attrs().category.is(category))
        .all()
        .await?;
    Ok(watches.into_iter().map(|w| w.user).collect())
}

/// Creates a user; a taken name is [`Error::AlreadyExists`].
pub async fn create_user(db: &Db<Deals>, name: &str) -> Result<User, Error> {
    let user = User {
        name: name.into(),
        created_at: None,
    };
    db.create(&user).send().await?;
    // Read back for the `created_at` the library stamped (the item was just written; should a
    // concurrent delete win, the user as created is the answer).
    let stored = db.get(user.key()).consistent_read().send().await?;
    Ok(stored.unwrap_or(user))
}

/// Every user: a parallel scan of the sparse `UserIndex` in `segments` segments.
pub async fn all_users(db: &Db<Deals>, segments: u32) -> Result<Vec<User>, Error> {
    db.scan::<User>()
        .index(Deals::UserIndex)
        .segments(segments)
        .all()
        .await
}

/// Sends a message (unread, id generated); returns it.
pub async fn send_message(
    db: &Db<Deals>,
    to: &str,
    subject: &str,
    body: &str,
) -> Result<Message, Error> {
    db.insert(message(to, subject, body)).send().await
}

fn message(to: &str, subject: &str, body: &str) -> Message {
    Message {
        user: to.into(),
        id: TimeId::UNSET,
        subject: subject.into(),
        body: body.into(),
        unread: true,
    }
}

/// A user's messages, newest first, after `last_seen`, at most `limit`.
pub async fn messages(
    db: &Db<Deals>,
    user: &str,
    last_seen: Option<TimeId>,
    limit: usize,
) -> Result<Vec<Message>, Error> {
    inbox(db, user, last_seen, limit, false).await
}

/// A user's unread messages, newest first (the sparse unread index).
pub async fn unread_messages(
    db: &Db<Deals>,
    user: &str,
    last_seen: Option<TimeId>,
    limit: usize,
) -> Result<Vec<Message>, Error> {
    inbox(db, user, last_seen, limit, true).await
}

async fn inbox(
    db: &Db<Deals>,
    user: &str,
    last_seen: Option<TimeId>,
    limit: usize,
    unread: bool,
) -> Result<Vec<Message>, Error> {
    let a = Message::attrs();
    let mut query = db.query(a.user.is(user)).descending().limit(limit);
    if unread {
        query = query.index(Deals::GSI1);
    }
    if let Some(id) = last_seen {
        query = query.sort_lt(a.id.is(id));
    }
    query.all().await
}

/// Marks a message read, which takes it out of the unread index.
pub async fn mark_read(db: &Db<Deals>, user: &str, id: TimeId) -> Result<Message, Error> {
    let key = MessageKey {
        user: user.into(),
        id,
    };
    db.update(key)
        .set(Message::attrs().unread, false)
        .send()
        .await
}

/// Sends a deal to every user (a parallel scan of the users index, then batch writes of
/// the messages); returns how many were sent.
pub async fn send_hot_deal(db: &Db<Deals>, deal: &Deal) -> Result<usize, Error> {
    let users = all_users(db, 4).await?;
    let names: Vec<String> = users.into_iter().map(|u| u.name).collect();
    fan_out(db, &names, deal).await
}

/// Sends a brand's new deal to the brand's watchers; returns how many were sent.
pub async fn notify_brand_watchers(db: &Db<Deals>, deal: &Deal) -> Result<usize, Error> {
    let watchers = brand_watchers(db, &deal.brand).await?;
    fan_out(db, &watchers, deal).await
}

async fn fan_out(db: &Db<Deals>, users: &[String], deal: &Deal) -> Result<usize, Error> {
    let messages: Vec<Message> = users
        .iter()
        .map(|user| Message {
            id: TimeId::new(),
            ..message(user, &format!("New deal: {}", deal.title), &deal.link)
        })
        .collect();
    db.batch_write()
        .put_all(&messages)
        .send()
        .await?
        .into_result()?;
    Ok(messages.len())
}
