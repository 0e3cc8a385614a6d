//! Indexes for the forum list as visitors see it: posts that are not hidden, newest first or top
//! first, a page at a time. With `hidden` leading, the page is a range of the index in list order
//! (no sort of the table), and the count of visible posts reads the index alone. (Moderators,
//! who see hidden posts too, use the orders' indexes without `hidden`.)

use sea_orm_migration::prelude::*;

pub(super) struct IndexVisiblePosts;

impl MigrationName for IndexVisiblePosts {
    fn name(&self) -> &str {
        "m20261207_000001_forum_index_visible_posts"
    }
}

/// Index name and the column the list orders by; each is `(hidden, <column>, id)`.
const INDEXES: [(&str, Post); 2] = [
    ("forum_post_visible_created", Post::CreatedAt),
    ("forum_post_visible_score", Post::Score),
];

#[async_trait::async_trait]
impl MigrationTrait for IndexVisiblePosts {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in INDEXES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Post::Table)
                        .col(Post::Hidden)
                        .col(column)
                        .col(Post::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Post::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Post {
    #[sea_orm(iden = "forum_post")]
    Table,
    Id,
    CreatedAt,
    Score,
    Hidden,
}
