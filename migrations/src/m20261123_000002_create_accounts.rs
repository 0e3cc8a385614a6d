//! Accounts and access: users, roles and their assignments, casbin's rules, login failures,
//! single-use account tokens (email verification, password reset) and API refresh-token families.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn id(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn at(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

fn at_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

fn user_fk(table: impl IntoIden, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(User::Table, User::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(User::Table)
                    .col(id(User::Id))
                    .col(ColumnDef::new(User::Username).string_len(150).not_null())
                    // Lowercased copies carry the case-insensitive uniqueness on every backend
                    // (MariaDB has no functional indexes).
                    .col(
                        ColumnDef::new(User::UsernameKey)
                            .string_len(150)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(User::Email).string_len(254).not_null())
                    .col(
                        ColumnDef::new(User::EmailKey)
                            .string_len(254)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(User::Password).string_len(255).not_null())
                    .col(ColumnDef::new(User::IsActive).boolean().not_null())
                    .col(ColumnDef::new(User::IsStaff).boolean().not_null())
                    .col(ColumnDef::new(User::IsSuperuser).boolean().not_null())
                    .col(ColumnDef::new(User::EmailVerified).boolean().not_null())
                    .col(at(User::DateJoined))
                    .col(at_null(User::LastLogin))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Role::Table)
                    .col(id(Role::Id))
                    .col(
                        ColumnDef::new(Role::Name)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(Role::Description)
                            .string_len(255)
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UserRole::Table)
                    .col(id(UserRole::Id))
                    .col(ColumnDef::new(UserRole::UserId).big_integer().not_null())
                    .col(ColumnDef::new(UserRole::RoleId).big_integer().not_null())
                    .foreign_key(&mut user_fk(UserRole::Table, UserRole::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserRole::Table, UserRole::RoleId)
                            .to(Role::Table, Role::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Indexes are created on their own: only MySQL accepts them inside CREATE TABLE.
        manager
            .create_index(
                Index::create()
                    .name("core_user_role_unique")
                    .table(UserRole::Table)
                    .col(UserRole::UserId)
                    .col(UserRole::RoleId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // casbin's rule table. 100 characters per value keeps the unique index inside MySQL's
        // 3072-byte limit with utf8mb4.
        let mut rule = Table::create();
        rule.table(CasbinRule::Table)
            .col(id(CasbinRule::Id))
            .col(ColumnDef::new(CasbinRule::Ptype).string_len(12).not_null());
        let values = [
            CasbinRule::V0,
            CasbinRule::V1,
            CasbinRule::V2,
            CasbinRule::V3,
            CasbinRule::V4,
            CasbinRule::V5,
        ];
        let mut unique = Index::create();
        unique
            .name("core_casbin_rule_unique")
            .table(CasbinRule::Table)
            .unique()
            .col(CasbinRule::Ptype);
        for value in values {
            rule.col(
                ColumnDef::new(value.clone())
                    .string_len(100)
                    .not_null()
                    .default(""),
            );
            unique.col(value);
        }
        manager.create_table(rule.to_owned()).await?;
        manager.create_index(unique.to_owned()).await?;
        manager
            .create_table(
                Table::create()
                    .table(RbacState::Table)
                    .col(
                        ColumnDef::new(RbacState::Id)
                            .integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RbacState::Version).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(RbacState::Table)
                    .columns([RbacState::Id, RbacState::Version])
                    .values_panic([1.into(), 1.into()])
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PolicySeed::Table)
                    .col(
                        ColumnDef::new(PolicySeed::Rule)
                            .string_len(190)
                            .not_null()
                            .primary_key(),
                    )
                    .col(at(PolicySeed::SeededAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginFailure::Table)
                    .col(id(LoginFailure::Id))
                    .col(ColumnDef::new(LoginFailure::Key).string_len(190).not_null())
                    .col(at(LoginFailure::At))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("core_login_failure_key_at")
                    .table(LoginFailure::Table)
                    .col(LoginFailure::Key)
                    .col(LoginFailure::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountToken::Table)
                    .col(id(AccountToken::Id))
                    .col(
                        ColumnDef::new(AccountToken::UserId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AccountToken::Purpose)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AccountToken::TokenHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(AccountToken::Email).string_len(254).null())
                    .col(at(AccountToken::CreatedAt))
                    .col(at(AccountToken::ExpiresAt))
                    .col(at_null(AccountToken::UsedAt))
                    .foreign_key(&mut user_fk(AccountToken::Table, AccountToken::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TokenFamily::Table)
                    .col(
                        ColumnDef::new(TokenFamily::Id)
                            .string_len(32)
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TokenFamily::UserId).big_integer().not_null())
                    .col(at(TokenFamily::CreatedAt))
                    .col(at(TokenFamily::ExpiresAt))
                    .col(at_null(TokenFamily::RevokedAt))
                    .foreign_key(&mut user_fk(TokenFamily::Table, TokenFamily::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RefreshToken::Table)
                    .col(
                        ColumnDef::new(RefreshToken::Jti)
                            .string_len(32)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(RefreshToken::FamilyId)
                            .string_len(32)
                            .not_null(),
                    )
                    .col(at(RefreshToken::CreatedAt))
                    .col(at_null(RefreshToken::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshToken::Table, RefreshToken::FamilyId)
                            .to(TokenFamily::Table, TokenFamily::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RefreshToken::Table.into_iden(),
            TokenFamily::Table.into_iden(),
            AccountToken::Table.into_iden(),
            LoginFailure::Table.into_iden(),
            PolicySeed::Table.into_iden(),
            RbacState::Table.into_iden(),
            CasbinRule::Table.into_iden(),
            UserRole::Table.into_iden(),
            Role::Table.into_iden(),
            User::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum User {
    #[sea_orm(iden = "core_user")]
    Table,
    Id,
    Username,
    UsernameKey,
    Email,
    EmailKey,
    Password,
    IsActive,
    IsStaff,
    IsSuperuser,
    EmailVerified,
    DateJoined,
    LastLogin,
}

#[derive(DeriveIden)]
enum Role {
    #[sea_orm(iden = "core_role")]
    Table,
    Id,
    Name,
    Description,
}

#[derive(DeriveIden)]
enum UserRole {
    #[sea_orm(iden = "core_user_role")]
    Table,
    Id,
    UserId,
    RoleId,
}

#[derive(DeriveIden, Clone)]
enum CasbinRule {
    #[sea_orm(iden = "core_casbin_rule")]
    Table,
    Id,
    Ptype,
    V0,
    V1,
    V2,
    V3,
    V4,
    V5,
}

#[derive(DeriveIden)]
enum RbacState {
    #[sea_orm(iden = "core_rbac_state")]
    Table,
    Id,
    Version,
}

#[derive(DeriveIden)]
enum PolicySeed {
    #[sea_orm(iden = "core_policy_seed")]
    Table,
    Rule,
    SeededAt,
}

#[derive(DeriveIden)]
enum LoginFailure {
    #[sea_orm(iden = "core_login_failure")]
    Table,
    Id,
    Key,
    At,
}

#[derive(DeriveIden)]
enum AccountToken {
    #[sea_orm(iden = "core_account_token")]
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Email,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum TokenFamily {
    #[sea_orm(iden = "core_token_family")]
    Table,
    Id,
    UserId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RefreshToken {
    #[sea_orm(iden = "core_refresh_token")]
    Table,
    Jti,
    FamilyId,
    CreatedAt,
    UsedAt,
}
