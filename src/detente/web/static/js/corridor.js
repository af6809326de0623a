// A route's corridor as the area it covers: the centre line buffered by ``corridor_km`` either
// side, with round ends and bends (what the station's border check uses, drawn in the browser).
// Computed in a local equirectangular plane around the route: good to well under 1 % over the
// few hundred kilometres a corridor spans.

const STEP = Math.PI / 12; // 15° per arc segment

function angleOf([x, y]) {
  return Math.atan2(y, x);
}

/** The ring ([lat, lng] positions) of the area within ``km`` of the line ``coordinates`` ([lon, lat]). */
export function corridorRing(coordinates, km) {
  if (!coordinates.length) return [];
  const lat0 = coordinates.reduce((sum, p) => sum + p[1], 0) / coordinates.length;
  const lon0 = coordinates[0][0];
  const kx = 111.32 * Math.cos((lat0 * Math.PI) / 180);
  const ky = 110.574;
  const plane = [];
  for (const [lon, lat] of coordinates) {
    const point = [(lon - lon0) * kx, (lat - lat0) * ky];
    const last = plane[plane.length - 1];
    if (!last || Math.hypot(point[0] - last[0], point[1] - last[1]) > 1e-6) plane.push(point);
  }
  const back = (x, y) => [lat0 + y / ky, lon0 + x / kx];
  const ring = [];
  const arc = (centre, from, sweep) => {
    const steps = Math.max(1, Math.ceil(Math.abs(sweep) / STEP));
    for (let i = 0; i <= steps; i += 1) {
      const a = from + (sweep * i) / steps;
      ring.push(back(centre[0] + km * Math.cos(a), centre[1] + km * Math.sin(a)));
    }
  };
  if (plane.length === 1) {
    arc(plane[0], 0, -2 * Math.PI);
    return ring;
  }
  // Walk the line out and back, keeping the offset on the left: a turn to the right (clockwise)
  // gets an arc on the outside; ends are half-turns; a turn to the left just joins the offsets
  // (the inner loop lies inside the filled area).
  const walk = plane.concat(plane.slice(0, -1).reverse()).slice(0, -1);
  const count = walk.length;
  const normal = (i) => {
    const a = walk[i];
    const b = walk[(i + 1) % count];
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    return [-(b[1] - a[1]) / length, (b[0] - a[0]) / length];
  };
  for (let i = 0; i < count; i += 1) {
    const before = normal((i - 1 + count) % count);
    const after = normal(i);
    const vertex = walk[i];
    let sweep = angleOf(after) - angleOf(before);
    while (sweep > Math.PI) sweep -= 2 * Math.PI;
    while (sweep <= -Math.PI) sweep += 2 * Math.PI;
    const reversal = Math.abs(Math.abs(sweep) - Math.PI) < 1e-9;
    if (reversal) sweep = -Math.PI;
    if (sweep < 0) {
      arc(vertex, angleOf(before), sweep);
    } else {
      ring.push(back(vertex[0] + km * before[0], vertex[1] + km * before[1]));
      ring.push(back(vertex[0] + km * after[0], vertex[1] + km * after[1]));
    }
  }
  return ring;
}
