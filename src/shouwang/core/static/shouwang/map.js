/* 守望 Shouwang — map page (plain ES2017, needs the vendored Leaflet loaded first).
 *
 * <div id="map"
 *      data-source="/map/features.geojson"      GeoJSON FeatureCollection (WGS-84)
 *      data-tile-url=""                          empty = no tiles, vector layers only
 *      data-tile-attribution=""
 *      data-crs="wgs84"                          or "gcj02" (tiles in GCJ-02: data is shifted)
 *      data-center="30.5,114.3" data-zoom="12"
 *      data-labels='{"zone":"巡防区域",...}'
 *      data-leaflet-images="/static/vendor/leaflet/images/"></div>
 * <div id="map-error" role="alert"></div>
 *
 * Feature properties: {layer: "zone"|"key_place"|"segment"|"route"|"jurisdiction",
 *                      name, kind, url, color?}
 */
(function (root) {
  "use strict";

  // ---- WGS-84 -> GCJ-02 (standard public-domain forward transform) ----
  var A = 6378245.0;
  var EE = 0.00669342162296594323;
  var PI = Math.PI;

  function outOfChina(lat, lon) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
  }

  function transformLat(x, y) {
    var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    ret += (160.0 * Math.sin(y / 12.0 * PI) + 320.0 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
    return ret;
  }

  function transformLon(x, y) {
    var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    ret += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    ret += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    ret += (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
    return ret;
  }

  /** Returns [lat, lon] in GCJ-02; points outside China are returned unchanged. */
  function wgs84ToGcj02(lat, lon) {
    if (outOfChina(lat, lon)) return [lat, lon];
    var dLat = transformLat(lon - 105.0, lat - 35.0);
    var dLon = transformLon(lon - 105.0, lat - 35.0);
    var radLat = lat / 180.0 * PI;
    var magic = Math.sin(radLat);
    magic = 1 - EE * magic * magic;
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / ((A * (1 - EE)) / (magic * sqrtMagic) * PI);
    dLon = (dLon * 180.0) / (A / sqrtMagic * Math.cos(radLat) * PI);
    return [lat + dLat, lon + dLon];
  }

  // ---- Map drawing ----
  var LAYER_ORDER = ["jurisdiction", "zone", "segment", "route", "organisation", "key_place"];
  var DEFAULT_COLORS = {
    zone: "#2563eb",
    jurisdiction: "#6b7280",
    segment: "#d97706",
    route: "#16a34a",
    key_place: "#dc2626",
    organisation: "#7c3aed"
  };

  function styleFor(layer, color) {
    var c = color || DEFAULT_COLORS[layer] || "#7c3aed";
    switch (layer) {
      case "zone":
        return { color: c, weight: 2, opacity: 0.9, fillColor: c, fillOpacity: 0.2 };
      case "jurisdiction":
        return { color: c, weight: 2, opacity: 0.9, dashArray: "6 6", fill: false };
      case "segment":
        return { color: c, weight: 6, opacity: 0.85, lineCap: "round" };
      case "route":
        return { color: c, weight: 3, opacity: 0.9, dashArray: "10 8" };
      case "key_place":
      case "organisation":
        return { color: "#fff", weight: 2, fillColor: c, fillOpacity: 0.95, radius: 7 };
      default:
        return { color: c, weight: 2, fillOpacity: 0.15 };
    }
  }

  function safeUrl(url) {
    if (typeof url !== "string" || !url) return null;
    if (/^(\/(?!\/)|https?:\/\/|\.{1,2}\/)/i.test(url) || url.charAt(0) === "?") return url;
    return null;
  }

  function popupContent(props, linkLabel) {
    var box = document.createElement("div");
    box.className = "map-popup";
    var name = document.createElement("strong");
    name.textContent = props.name || "";
    box.appendChild(name);
    if (props.kind) {
      var kind = document.createElement("div");
      kind.className = "kind";
      kind.textContent = props.kind;
      box.appendChild(kind);
    }
    var href = safeUrl(props.url);
    if (href) {
      var a = document.createElement("a");
      a.href = href;
      a.textContent = linkLabel;
      box.appendChild(a);
    }
    return box;
  }

  function parseJSON(text, fallback) {
    if (!text) return fallback;
    try { return JSON.parse(text); } catch (e) { return fallback; }
  }

  function showError(el, message) {
    var err = document.getElementById("map-error");
    if (!err) {
      err = el.nextElementSibling && el.nextElementSibling.id === "map-error" ? el.nextElementSibling : null;
    }
    if (!err) {
      err = document.createElement("div");
      err.id = "map-error";
      el.parentNode.insertBefore(err, el.nextSibling);
    }
    err.setAttribute("role", "alert");
    err.textContent = message;
  }

  function initMap(el) {
    if (!el || el.dataset.mapReady) return;
    el.dataset.mapReady = "1";
    var L = root.L;
    if (!L) {
      showError(el, "地图组件未能加载（Leaflet 缺失）。");
      return;
    }
    var ds = el.dataset;
    var gcj = (ds.crs || "wgs84").toLowerCase() === "gcj02";
    var labels = parseJSON(ds.labels, {}) || {};
    var linkLabel = ds.linkLabel || "查看详情";

    if (ds.leafletImages) {
      var p = ds.leafletImages;
      L.Icon.Default.imagePath = p.charAt(p.length - 1) === "/" ? p : p + "/";
    }

    function toLatLng(lat, lon) {
      if (gcj) {
        var g = wgs84ToGcj02(lat, lon);
        return L.latLng(g[0], g[1]);
      }
      return L.latLng(lat, lon);
    }

    var center = (ds.center || "").split(",").map(function (s) { return parseFloat(s); });
    if (center.length !== 2 || isNaN(center[0]) || isNaN(center[1])) center = [35.0, 105.0];
    var zoom = parseInt(ds.zoom, 10);
    if (isNaN(zoom)) zoom = 4;

    var map = L.map(el, { maxZoom: 19, preferCanvas: false });
    map.setView(toLatLng(center[0], center[1]), zoom);

    if (ds.tileUrl) {
      L.tileLayer(ds.tileUrl, { attribution: ds.tileAttribution || "", maxZoom: 19 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);

    var source = ds.source;
    if (!source) {
      showError(el, "未配置地图数据来源。");
      return;
    }

    fetch(source, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" }
    }).then(function (resp) {
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      return resp.json();
    }).then(function (data) {
      var features = (data && Array.isArray(data.features)) ? data.features : null;
      if (!features) throw new Error("数据格式不正确");

      var groups = {};
      features.forEach(function (f) {
        if (!f || !f.geometry) return;
        var key = (f.properties && f.properties.layer) || "other";
        (groups[key] = groups[key] || []).push(f);
      });

      var keys = LAYER_ORDER.filter(function (k) { return groups[k]; })
        .concat(Object.keys(groups).filter(function (k) { return LAYER_ORDER.indexOf(k) < 0; }));

      var overlays = {};
      var bounds = L.latLngBounds([]);
      keys.forEach(function (key) {
        var layer = L.geoJSON({ type: "FeatureCollection", features: groups[key] }, {
          coordsToLatLng: function (c) { return toLatLng(c[1], c[0]); },
          style: function (f) { return styleFor(key, f.properties && f.properties.color); },
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, styleFor(key, f.properties && f.properties.color));
          },
          onEachFeature: function (f, lyr) {
            var props = f.properties || {};
            lyr.bindPopup(popupContent(props, linkLabel));
            if (props.name) lyr.bindTooltip(String(props.name), { sticky: true });
          }
        }).addTo(map);
        overlays[labels[key] || key] = layer;
        var b = layer.getBounds();
        if (b.isValid()) bounds.extend(b);
      });

      if (keys.length) {
        L.control.layers(null, overlays, { collapsed: root.innerWidth < 640 }).addTo(map);
      }
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
      }
    }).catch(function (e) {
      showError(el, "地图数据加载失败：" + (e && e.message ? e.message : e));
    });
    return map;
  }

  function initAll(scope) {
    var el = (scope && scope.querySelector) ? scope.querySelector("#map[data-source]") : null;
    if (!el && scope && scope.id === "map") el = scope;
    if (el) initMap(el);
  }

  var api = { wgs84ToGcj02: wgs84ToGcj02, outOfChina: outOfChina, initMap: initMap };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
  } else {
    root.ShouwangMap = api;
  }

  if (typeof document !== "undefined") {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () { initAll(document); });
    } else {
      initAll(document);
    }
    // Pages swapped in by htmx.
    document.addEventListener("htmx:load", function (evt) { initAll(evt.target); });
  }
})(typeof window !== "undefined" ? window : this);
