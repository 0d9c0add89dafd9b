-- First-store incentives: funds, applications and the ledger of awards and clawbacks.
CREATE TABLE funds (
    id                  INTEGER PRIMARY KEY,
    name                TEXT NOT NULL,
    budget_fen          BIGINT NOT NULL CHECK (budget_fen > 0),
    -- The sum of the fund's ledger, kept in the same transaction as each entry; never above budget.
    committed_fen       BIGINT NOT NULL DEFAULT 0 CHECK (committed_fen >= 0 AND committed_fen <= budget_fen),
    cap_global_fen      BIGINT NOT NULL,
    cap_asia_fen        BIGINT NOT NULL,
    cap_national_fen    BIGINT NOT NULL,
    cap_provincial_fen  BIGINT NOT NULL,
    cap_city_fen        BIGINT NOT NULL,
    opens_at            TEXT NOT NULL,
    closes_at           TEXT NOT NULL,
    public_register     BOOLEAN NOT NULL,
    created_at          TEXT NOT NULL
);

CREATE TABLE incentive_applications (
    id               INTEGER PRIMARY KEY,
    fund_id          BIGINT NOT NULL REFERENCES funds (id),
    organization_id  BIGINT NOT NULL REFERENCES organizations (id),
    created_by       BIGINT NOT NULL REFERENCES users (id),
    store_name       TEXT NOT NULL,
    mall_venue_id    BIGINT REFERENCES venues (id),
    address          TEXT NOT NULL,
    -- Lower-cased, whitespace-free address, to flag two applications for one store.
    address_key      TEXT NOT NULL,
    tier             TEXT NOT NULL CHECK (tier IN ('global', 'asia', 'national', 'provincial', 'city')),
    opening_date     TEXT NOT NULL,
    floor_area_m2    BIGINT NOT NULL,
    investment_fen   BIGINT NOT NULL,
    requested_fen    BIGINT NOT NULL,
    statement        TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'rejected', 'changes_requested')),
    award_fen        BIGINT,
    clawed_back_fen  BIGINT NOT NULL DEFAULT 0,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    submitted_at     TEXT,
    decided_at       TEXT
);
CREATE INDEX incentive_applications_fund ON incentive_applications (fund_id, state);
CREATE INDEX incentive_applications_org ON incentive_applications (organization_id);

CREATE TABLE incentive_ledger (
    id              INTEGER PRIMARY KEY,
    fund_id         BIGINT NOT NULL REFERENCES funds (id),
    application_id  BIGINT NOT NULL REFERENCES incentive_applications (id),
    -- Positive for an award, negative for a clawback.
    amount_fen      BIGINT NOT NULL CHECK (amount_fen <> 0),
    reason          TEXT NOT NULL,
    actor_user_id   BIGINT NOT NULL REFERENCES users (id),
    at              TEXT NOT NULL
);
CREATE INDEX incentive_ledger_fund ON incentive_ledger (fund_id);
