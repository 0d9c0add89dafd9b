//! Every form post of every HTML area, from the route table itself (`startup::html_routes`):
//! each refuses a post without its CSRF token, and each refuses someone who may not post it
//! (nobody signed in, or a brand at the console), before anything is changed.

use debut::http::Guard;
use reqwest::{StatusCode, redirect::Policy};

use crate::{helpers::TestApp, portal::Browser};

/// A path template filled with values that reach the handler.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|segment| match segment {
            ":token" => "dbt_0000000000000000000000000000000000000000000000000000000000000000",
            ":verdict" => "approve",
            s if s.starts_with(':') => "1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_upload(path: &str) -> bool {
    ["/photos", "/images", "/evidence", "/permit", "/logo"].iter().any(|end| path.ends_with(end))
}

/// Posts to `path` with these cookies and, when given, this CSRF token in the body; returns the
/// status and the redirect's location.
async fn post(app: &TestApp, path: &str, cookie: &str, csrf: Option<&str>) -> (StatusCode, Option<String>) {
    let client = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
    let request = client.post(format!("{}{path}", app.base)).header("cookie", cookie);
    let request = if is_upload(path) {
        let mut form = reqwest::multipart::Form::new()
            .text("alt", "a photo")
            .part("file", reqwest::multipart::Part::bytes(vec![0u8; 16]).file_name("a.png"));
        if let Some(csrf) = csrf {
            form = form.text("csrf", csrf.to_owned());
        }
        request.multipart(form)
    } else {
        let mut fields = vec![("note", "x".to_owned())];
        if let Some(csrf) = csrf {
            fields.push(("csrf", csrf.to_owned()));
        }
        request.form(&fields)
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    assert!(!status.is_server_error(), "{path}: {status}");
    (status, location)
}

#[tokio::test]
async fn every_form_post_refuses_a_missing_csrf_token_and_anyone_who_may_not_post_it() {
    let app = TestApp::spawn().await;
    let mut brand = Browser::new(&app);
    app.register("brand", "ada@acme.cn").await;
    brand.sign_in("ada@acme.cn").await;
    let session = brand.cookie("debut_session").expect("signed in");
    let csrf = brand.cookie("debut_csrf").expect("a CSRF cookie");
    let token_only = format!("debut_csrf={csrf}");
    let as_brand = format!("debut_csrf={csrf}; debut_session={session}");

    let routes = debut::startup::html_routes();
    let forms = routes.forms();
    assert!(forms.len() > 60, "the table lists every form ({})", forms.len());
    for form in forms {
        let path = concrete(form.path);
        match form.guard {
            Guard::PathSecret => {
                // No cookie needed, but the secret must be one we issued.
                let (status, _) = post(&app, &path, "", None).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}: an unknown secret");
                continue;
            }
            Guard::Public | Guard::SignedIn | Guard::Staff => {
                let (status, _) = post(&app, &path, &as_brand, None).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{path}: no CSRF token in the form");
                let (status, _) = post(&app, &path, "", Some(&csrf)).await;
                assert_eq!(status, StatusCode::FORBIDDEN, "{path}: no CSRF cookie");
            }
        }
        match form.guard {
            Guard::SignedIn => {
                let (status, location) = post(&app, &path, &token_only, Some(&csrf)).await;
                let to_sign_in = location.as_deref().is_some_and(|l| l.starts_with("/login") || l == "/");
                assert!(
                    (status == StatusCode::SEE_OTHER && to_sign_in) || status == StatusCode::NOT_FOUND,
                    "{path}: nobody signed in got {status} {location:?}"
                );
            }
            Guard::Staff => {
                let (status, _) = post(&app, &path, &as_brand, Some(&csrf)).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}: a brand at the console");
                let (status, _) = post(&app, &path, &token_only, Some(&csrf)).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}: a stranger at the console");
            }
            Guard::Public | Guard::PathSecret => {}
        }
    }
    let changed = debut::on_db!(&app.db, pool => sqlx::query_scalar::<_, i64>(
        "SELECT (SELECT COUNT(*) FROM bookings) + (SELECT COUNT(*) FROM venues) + (SELECT COUNT(*) FROM markets) \
         + (SELECT COUNT(*) FROM incentive_applications) + (SELECT COUNT(*) FROM invitations)",
    )
    .fetch_one(pool)
    .await)
    .unwrap();
    assert_eq!(changed, 0, "nothing was written by a refused post");
}
