/**
 * A hand-written SVG of the summary: one panel per figure, a horizontal bar per system (median, with a
 * min–max whisker when there were several runs), grouped bars where a panel compares two metrics.
 */

const COLORS = {
  'courier-sqlite': '#1f5fa8',
  'courier-memory': '#4f9fd9',
  'courier-redis': '#7b52ab',
  'raw-socketio': '#8a8a8a',
  rabbitmq: '#e8772e',
};

/** Panels: each lists series as [workload, metric, legend]; a single series needs no legend. */
const PANELS = [
  { title: 'W1 throughput, e2e msgs/s (publishBatch; RabbitMQ: pipelined publish)', series: [['W1', 'e2e']] },
  { title: 'W1 producer-confirmed msgs/s', series: [['W1', 'confirmed']] },
  { title: 'W1 unbatched e2e msgs/s (one publish each)', series: [['W1u', 'e2e']] },
  { title: 'W2 four competing consumers, e2e msgs/s', series: [['W2', 'e2e']] },
  { title: 'W2b consumers spending 1 ms/message, msgs/s', series: [['W2b1', 'e2e', '×1'], ['W2b4', 'e2e', '×4']] },
  { title: 'W3 publish → deliver latency at 2,000 msgs/s, ms, log scale (lower is better)', series: [['W3', 'p50', 'p50'], ['W3', 'p99', 'p99']], mark: 1.5, log: true },
  { title: 'W4 fan-out to 100 live members, deliveries/s', series: [['W4', 'deliveries']] },
  { title: 'W4 fan-out to 100 durable members, deliveries/s', series: [['W4d', 'deliveries']] },
  { title: 'W5 deep queue, msgs/s', series: [['W5', 'publish', 'publish'], ['W5', 'consume', 'consume']] },
  { title: 'W5 server RSS, MB (lower is better)', series: [['W5', 'rssPublishPeakMB', 'peak publishing'], ['W5', 'rssConsumePeakMB', 'peak consuming']] },
  { title: 'REST publish, msgs/s', series: [['REST1', 'msgs', '1/request'], ['RESTb', 'msgs', '1,000/request']] },
  { title: 'W6 server RSS with idle connections, MB (lower is better)', series: [['W6', 'rssMB']], mark: 500 },
];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function label(v) {
  if (v >= 100000) return `${Math.round(v / 1000)}k`;
  if (v >= 10000) return `${(v / 1000).toFixed(1)}k`;
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  if (v >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function chart(summary, { systems, subtitle }) {
  const W = 1210;
  const colW = 590;
  const labelW = 120;
  const barH = 14;
  const gap = 4;
  const panels = PANELS.map((p) => {
    const rows = systems.filter((s) => p.series.some(([w, k]) => summary[w]?.[s]?.[k]));
    return { ...p, rows };
  }).filter((p) => p.rows.length > 0);

  const out = [];
  let y = 70;
  let col = 0;
  let rowTop = y;
  let rowHeight = 0;
  for (const p of panels) {
    const x0 = 10 + col * (colW + 10);
    const n = p.series.length;
    const h = 40 + p.rows.length * (n * barH + gap * 2) + (n > 1 ? 18 : 0) + (p.log ? 14 : 0);
    const values = p.rows.flatMap((s) => p.series.map(([w, k]) => summary[w]?.[s]?.[k]?.max ?? 0));
    const maxV = Math.max(...values, p.mark ?? 0) || 1;
    // Room on the right for the value labels.
    const plotW = colW - labelW - 130;
    // Latencies span 0.1 ms to seconds: a log axis keeps the small ones visible.
    const lo = 0.1;
    const decades = Math.max(1, Math.ceil(Math.log10(maxV / lo)));
    const sx = p.log
      ? (v) => x0 + labelW + (Math.log10(Math.max(v, lo) / lo) / decades) * plotW
      : (v) => x0 + labelW + (v / maxV) * plotW;
    out.push(`<g><rect x="${x0}" y="${rowTop}" width="${colW}" height="${h}" fill="#fafafa" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + 10}" y="${rowTop + 20}" font-size="13" font-weight="600">${esc(p.title)}</text>`);
    let by = rowTop + 32;
    for (const s of p.rows) {
      out.push(`<text x="${x0 + labelW - 6}" y="${by + (n * barH) / 2 + 4}" font-size="11" text-anchor="end">${esc(s)}</text>`);
      p.series.forEach(([w, k], i) => {
        const st = summary[w]?.[s]?.[k];
        const yy = by + i * barH;
        if (!st) return;
        const opacity = i === 0 ? 1 : 0.5;
        out.push(`<rect x="${x0 + labelW}" y="${yy + 1}" width="${Math.max(1, sx(st.median) - x0 - labelW)}" height="${barH - 2}" fill="${COLORS[s] ?? '#444'}" fill-opacity="${opacity}"/>`);
        if (st.n > 1) {
          out.push(`<line x1="${sx(st.min)}" x2="${sx(st.max)}" y1="${yy + barH / 2}" y2="${yy + barH / 2}" stroke="#222" stroke-width="1"/>`);
          for (const v of [st.min, st.max]) out.push(`<line x1="${sx(v)}" x2="${sx(v)}" y1="${yy + 3}" y2="${yy + barH - 3}" stroke="#222"/>`);
        }
        const tag = n > 1 ? ` ${p.series[i][2]}` : '';
        out.push(`<text x="${sx(st.max) + 4}" y="${yy + barH - 3}" font-size="10" fill="#222">${esc(label(st.median) + tag)}</text>`);
      });
      by += n * barH + gap * 2;
    }
    if (p.log) {
      for (let d = 0; d <= decades; d++) {
        const v = lo * 10 ** d;
        out.push(`<line x1="${sx(v)}" x2="${sx(v)}" y1="${rowTop + 28}" y2="${by}" stroke="#ccc" stroke-width="0.5"/>`);
        out.push(`<text x="${sx(v)}" y="${by + 10}" font-size="9" fill="#777" text-anchor="middle">${v >= 1 ? v : v.toFixed(1)}</text>`);
      }
    }
    if (p.mark) {
      const mx = sx(p.mark);
      out.push(`<line x1="${mx}" x2="${mx}" y1="${rowTop + 28}" y2="${by}" stroke="#c00" stroke-dasharray="4 3"/>`);
      out.push(`<text x="${mx + 3}" y="${by + (p.log ? 20 : 10)}" font-size="10" fill="#c00">target ${p.mark}</text>`);
    }
    if (n > 1) out.push(`<text x="${x0 + labelW}" y="${rowTop + h - 6}" font-size="10" fill="#555">solid: ${esc(p.series[0][2])}, light: ${esc(p.series[1][2])}</text>`);
    out.push('</g>');
    rowHeight = Math.max(rowHeight, h);
    if (++col === 2) {
      col = 0;
      rowTop += rowHeight + 10;
      rowHeight = 0;
    }
  }
  const height = rowTop + rowHeight + 20;
  const legend = systems
    .map((s, i) => `<rect x="${10 + i * 170}" y="44" width="12" height="12" fill="${COLORS[s] ?? '#444'}"/><text x="${26 + i * 170}" y="54" font-size="12">${esc(s)}</text>`)
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="24" font-size="18" font-weight="700">Courier vs raw Socket.IO vs RabbitMQ (median, whiskers = min–max)</text>`,
    `<text x="10" y="38" font-size="11" fill="#555">${esc(subtitle)}</text>`,
    legend,
    ...out,
    '</svg>',
  ].join('\n');
}
