//! The platform: health, the OpenAPI document, and errors for malformed requests.

use std::path::Path;

use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.text, "ok");
    assert_eq!(app.get("/readyz", None).await.status, 200);
}

#[tokio::test]
async fn the_openapi_document_lists_auth_and_venue_operations_with_their_errors() {
    let app = TestApp::spawn().await;
    let spec = app.get("/api/openapi.json", None).await.ok(200);
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/venues",
        "/api/v1/venues/{key}",
    ] {
        assert!(paths.contains_key(path), "missing {path}; have {:?}", paths.keys().collect::<Vec<_>>());
    }
    let create_venue = &spec["paths"]["/api/v1/venues"]["post"];
    assert_eq!(create_venue["tags"], json!(["Venues"]));
    for status in ["201", "401", "403", "422"] {
        assert!(create_venue["responses"][status].is_object(), "POST /venues lacks {status}");
    }
    assert!(create_venue["responses"]["422"]["content"]["application/problem+json"].is_object());
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{} {path}", method.to_uppercase());
            assert!(operation["summary"].as_str().is_some_and(|s| !s.is_empty()), "{name} has no summary");
            assert!(operation["tags"].as_array().is_some_and(|t| !t.is_empty()), "{name} has a tag");
            let responses = operation["responses"].as_object().unwrap();
            assert!(responses.keys().any(|status| status.starts_with('2')), "{name} documents its success");
            assert!(
                responses["400"]["content"]["application/problem+json"].is_object(),
                "{name} documents its problems"
            );
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["in"] == "path" {
                    let placeholder = format!("{{{}}}", parameter["name"].as_str().unwrap());
                    assert!(
                        path.contains(&placeholder),
                        "{name}: path parameter {placeholder} is in the path"
                    );
                }
            }
        }
    }
    assert_eq!(operations, 116, "every domain's operations are listed; the snapshot names them");
    let action = &spec["paths"]["/api/v1/bookings/{id}/{action}"]["post"]["parameters"][1]["schema"];
    assert_eq!(action["$ref"], "#/components/schemas/Action");
    assert_eq!(
        spec["components"]["schemas"]["Action"]["enum"],
        json!(["submit", "approve", "reject", "request-changes", "withdraw", "cancel"]),
        "the allowed actions are listed"
    );
    let docs = app.get("/api/docs", None).await;
    assert_eq!(docs.status, 200);
    assert!(docs.text.contains("swagger"), "docs page should load Swagger UI");
}

#[tokio::test]
async fn an_unknown_route_is_a_404_page_outside_the_api_and_a_problem_inside() {
    let app = TestApp::spawn().await;
    app.get("/no/such/thing", None).await.page(404, "找不到这个页面");
    let english =
        app.read(app.client.get(format!("{}/calendar", app.base)).header("accept-language", "en")).await;
    english.page(404, "Page not found");
    app.get("/api/v1/nothing-here", None).await.problem(404);
}

#[tokio::test]
async fn malformed_json_is_a_problem_400() {
    let app = TestApp::spawn().await;
    let request = app
        .client
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("content-type", "application/json")
        .body("{\"email\": ");
    let body = app.read(request).await.problem(400);
    assert!(body["detail"].as_str().unwrap().contains("not valid JSON"), "{body}");
}

#[tokio::test]
async fn a_wrong_content_type_is_a_problem_415() {
    let app = TestApp::spawn().await;
    let request = app
        .client
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("content-type", "text/plain")
        .body("hi");
    app.read(request).await.problem(415);
}

#[tokio::test]
async fn an_oversized_body_is_a_problem_413_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let huge = "x".repeat(debut::http::MAX_JSON_BODY + 1);
    let reply = app
        .post("/api/v1/auth/register", None, json!({"organization_name": huge, "organization_kind": "brand", "email": "big@x.cn", "password": "long enough pw", "display_name": "x"}))
        .await;
    reply.problem(413);
    let login = app
        .post("/api/v1/auth/login", None, json!({"email": "big@x.cn", "password": "long enough pw"}))
        .await;
    login.problem(401);
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_named_in_a_422() {
    let app = TestApp::spawn().await;
    let reply = app.post("/api/v1/auth/login", None, json!({"email": 42, "password": "x"})).await;
    assert_eq!(reply.invalid_fields(), ["email"]);
    let reply = app.post("/api/v1/auth/login", None, json!({"password": "x"})).await;
    assert_eq!(reply.invalid_fields(), ["email"]);
}

#[tokio::test]
async fn a_bad_query_parameter_is_named_in_a_422() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/api/v1/venues?limit=abc", None).await.invalid_fields(), ["limit"]);
    assert_eq!(app.get("/api/v1/venues?kind=arena", None).await.invalid_fields(), ["kind"]);
    assert_eq!(app.get("/api/v1/venues?limit=1000", None).await.invalid_fields(), ["limit"]);
}

#[tokio::test]
async fn a_wrong_method_is_a_problem() {
    let app = TestApp::spawn().await;
    let reply = app.send(Method::DELETE, "/api/v1/me", None, None).await;
    assert_eq!(reply.problem(405)["type"], "/problems/method-not-allowed");
    assert_eq!(reply.header("allow"), Some("GET"), "a 405 says which methods the resource takes");
    // A literal segment wins over a parameter.
    let reply = app.send(Method::PUT, "/api/v1/venues/3", None, None).await;
    assert_eq!(reply.header("allow"), Some("GET, PATCH"));
    let reply = app.send(Method::DELETE, "/api/v1/bookings/review-queue", None, None).await;
    assert_eq!(reply.header("allow"), Some("GET"));
}

#[test]
fn the_twin_migration_folders_hold_the_same_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let names = |backend: &str| {
        let mut names: Vec<String> = std::fs::read_dir(root.join(backend))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    assert!(!names("sqlite").is_empty());
    assert_eq!(names("sqlite"), names("postgres"), "migrations/sqlite and migrations/postgres drifted apart");
}

/// Tables and columns of a migrated database, as `table.column`.
async fn schema(db: &debut::db::Db) -> std::collections::BTreeSet<String> {
    let rows: Vec<(String, String)> = match db.pools() {
        debut::db::Pools::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name NOT LIKE '\\_sqlx%' ESCAPE '\\'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            let mut rows = Vec::new();
            for table in tables {
                let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                    .bind(&table)
                    .fetch_all(pool)
                    .await
                    .unwrap();
                rows.extend(columns.into_iter().map(|c| (table.clone(), c)));
            }
            rows
        }
        debut::db::Pools::Postgres(pool) => sqlx::query_as(
            "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
    };
    rows.into_iter()
        // SQLite's full-text search table and its shadow tables; PostgreSQL searches with a
        // pg_trgm index on `bookings` instead (see the architecture notes on search).
        .filter(|(table, _)| !table.starts_with("booking_search"))
        .map(|(table, column)| format!("{table}.{column}"))
        .collect()
}

#[tokio::test]
async fn the_migrated_sqlite_and_postgresql_schemas_have_the_same_tables_and_columns() {
    let app = TestApp::spawn().await;
    if app.db.backend() != debut::db::Backend::Postgres {
        return; // needs both: runs in the PostgreSQL suite, against a SQLite file of its own
    }
    let dir = tempfile::tempdir().unwrap();
    let sqlite = debut::db::Db::connect(&format!("sqlite://{}", dir.path().join("schema.db").display()))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let (lite, pg) = (schema(&sqlite).await, schema(&app.db).await);
    assert!(lite.len() > 100, "{} columns", lite.len());
    let only_sqlite: Vec<_> = lite.difference(&pg).collect();
    let only_postgres: Vec<_> = pg.difference(&lite).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in SQLite: {only_sqlite:?}; only in PostgreSQL: {only_postgres:?}"
    );
}
