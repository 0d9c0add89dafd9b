//! Where a venue is on the maps people in China use. We store WGS-84 (what GPS and
//! OpenStreetMap use); Amap (高德) draws in GCJ-02, the obfuscated datum Chinese law requires of
//! maps published in China, and Baidu Maps in BD-09, a further offset of GCJ-02. Linking a
//! WGS-84 point as-is puts the pin 300–600 m off in a city, so the links carry converted
//! coordinates. The conversion is the published forward transform (Krasovsky 1940 ellipsoid);
//! it is only defined inside China, and outside it the datums coincide.

use std::f64::consts::PI;

use crate::{http::url_encode, values::Lang};

/// A point in one of the three datums, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub latitude: f64,
    pub longitude: f64,
}

/// The semi-major axis and eccentricity squared of the Krasovsky 1940 ellipsoid, which the
/// GCJ-02 transform is defined on.
const AXIS: f64 = 6_378_245.0;
const ECCENTRICITY_SQUARED: f64 = 0.006_693_421_622_965_943;

impl Point {
    pub fn new(latitude: f64, longitude: f64) -> Self {
        Self { latitude, longitude }
    }

    /// A rough box around mainland China: GCJ-02 leaves points outside it unchanged.
    fn in_china(self) -> bool {
        (72.004..=137.8347).contains(&self.longitude) && (0.8293..=55.8271).contains(&self.latitude)
    }

    /// This WGS-84 point in GCJ-02 (Amap, Tencent Maps).
    pub fn gcj02(self) -> Self {
        if !self.in_china() {
            return self;
        }
        let (x, y) = (self.longitude - 105.0, self.latitude - 35.0);
        let rad_lat = self.latitude.to_radians();
        let magic = 1.0 - ECCENTRICITY_SQUARED * rad_lat.sin().powi(2);
        let sqrt_magic = magic.sqrt();
        let d_lat = (shift_latitude(x, y) * 180.0)
            / ((AXIS * (1.0 - ECCENTRICITY_SQUARED)) / (magic * sqrt_magic) * PI);
        let d_lon = (shift_longitude(x, y) * 180.0) / (AXIS / sqrt_magic * rad_lat.cos() * PI);
        Self::new(self.latitude + d_lat, self.longitude + d_lon)
    }

    /// This WGS-84 point in BD-09 (Baidu Maps): GCJ-02, then Baidu's own offset.
    pub fn bd09(self) -> Self {
        self.gcj02().baidu_offset()
    }

    /// Baidu's offset of a GCJ-02 point.
    fn baidu_offset(self) -> Self {
        let gcj = self;
        let x_pi = PI * 3000.0 / 180.0;
        let (x, y) = (gcj.longitude, gcj.latitude);
        let z = (x * x + y * y).sqrt() + 0.000_02 * (y * x_pi).sin();
        let theta = y.atan2(x) + 0.000_003 * (x * x_pi).cos();
        Self::new(z * theta.sin() + 0.006, z * theta.cos() + 0.0065)
    }
}

fn shift_latitude(x: f64, y: f64) -> f64 {
    let mut shift = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    shift += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    shift += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    shift += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    shift
}

fn shift_longitude(x: f64, y: f64) -> f64 {
    let mut shift = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    shift += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    shift += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    shift += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    shift
}

/// A link to a place on one map service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapLink {
    pub label: &'static str,
    pub href: String,
}

/// Links to the WGS-84 point `at`, labelled `name`, on the maps a reader of `lang` uses:
/// Amap and Baidu Maps in Chinese; OpenStreetMap first in English, then the Chinese two (a
/// visitor in China will meet them). Each opens the app when installed, else the web map.
pub fn links(at: Point, name: &str, lang: Lang) -> Vec<MapLink> {
    let name = url_encode(name);
    let gcj = at.gcj02();
    let bd = at.bd09();
    let amap = format!(
        "https://uri.amap.com/marker?position={:.6},{:.6}&name={name}&coordinate=gaode&callnative=1&src=debut",
        gcj.longitude, gcj.latitude
    );
    let baidu = format!(
        "https://api.map.baidu.com/marker?location={:.6},{:.6}&title={name}&content={name}&coord_type=bd09ll\
         &output=html&src=webapp.debut.events",
        bd.latitude, bd.longitude
    );
    let (lat, lon) = (at.latitude, at.longitude);
    let osm = format!("https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=17/{lat:.5}/{lon:.5}");
    let w = MapWords::of(lang);
    // Chinese readers use Amap and Baidu; OpenStreetMap is what visitors from abroad can open.
    match lang {
        Lang::Zh => vec![MapLink { label: w.amap, href: amap }, MapLink { label: w.baidu, href: baidu }],
        Lang::En => vec![
            MapLink { label: w.osm, href: osm },
            MapLink { label: w.amap, href: amap },
            MapLink { label: w.baidu, href: baidu },
        ],
    }
}

crate::words::catalogue! {
    /// The names of the map services a venue links to.
    pub struct MapWords in "map" { amap, baidu, osm }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_near(got: Point, latitude: f64, longitude: f64, degrees: f64) {
        assert!(
            (got.latitude - latitude).abs() < degrees && (got.longitude - longitude).abs() < degrees,
            "{got:?} is not ({latitude}, {longitude})"
        );
    }

    #[test]
    fn known_points_convert_as_the_published_transform_does() {
        // The reference figures most implementations test against (Tiananmen), to 1e-9 degrees
        // (0.1 mm): the same transform, up to floating-point rounding.
        let beijing = Point::new(39.915, 116.404);
        assert_near(beijing.gcj02(), 39.91640428150164, 116.41024449916938, 1e-9);
        assert_near(beijing.baidu_offset(), 39.92133699351021, 116.41036949371029, 1e-9);
        // A point near Shanghai with GCJ-02 and BD-09 figures published by another implementation,
        // which rounds differently: within 1e-6 degrees (10 cm), far below what a map shows.
        let jiaxing = Point::new(30.6107779, 121.0917077);
        assert_near(jiaxing.gcj02(), 30.608604331756705, 121.09626935575027, 1e-6);
        assert_near(jiaxing.bd09(), 30.61484572185035, 121.10271732371203, 1e-6);
    }

    #[test]
    fn the_offset_is_hundreds_of_metres_in_china_and_none_outside() {
        let wenzhou = Point::new(28.0007, 120.6722);
        let (gcj, bd) = (wenzhou.gcj02(), wenzhou.bd09());
        let metres = |a: Point, b: Point| {
            let dy = (a.latitude - b.latitude) * 111_320.0;
            let dx = (a.longitude - b.longitude) * 111_320.0 * a.latitude.to_radians().cos();
            (dx * dx + dy * dy).sqrt()
        };
        assert!((200.0..800.0).contains(&metres(wenzhou, gcj)), "{}", metres(wenzhou, gcj));
        assert!((500.0..1500.0).contains(&metres(wenzhou, bd)), "{}", metres(wenzhou, bd));
        let lisbon = Point::new(38.7223, -9.1393);
        assert_eq!(lisbon.gcj02(), lisbon);
    }

    #[test]
    fn links_carry_each_service_its_own_datum_and_the_name_encoded() {
        let at = Point::new(30.6107779, 121.0917077);
        let zh = links(at, "江心屿 & 展厅", Lang::Zh);
        assert_eq!(zh.iter().map(|l| l.label).collect::<Vec<_>>(), ["高德地图", "百度地图"]);
        assert!(zh[0].href.contains("position=121.096269,30.608604&"), "{}", zh[0].href);
        assert!(zh[1].href.contains("location=30.614846,121.102717&"), "{}", zh[1].href);
        assert!(zh[0].href.contains("name=%E6%B1%9F%E5%BF%83%E5%B1%BF%20%26%20"), "{}", zh[0].href);
        let en = links(at, "Hall", Lang::En);
        assert_eq!(en[0].label, "OpenStreetMap");
        assert!(en[0].href.contains("mlat=30.61078&mlon=121.09171"), "{}", en[0].href);
    }
}
