// A bar chart of revenue per period, drawn as SVG by our own code.  Amounts
// stay the API's strings in labels; only bar heights use numbers.
const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// Day and week periods are labelled MM-DD, months YYYY-MM.
export function revenueChart(series, title, groupBy = 'day') {
  const label = (day) => (groupBy === 'month' ? day.slice(0, 7) : day.slice(5));
  const width = 720, height = 260, left = 64, right = 12, top = 12, bottom = 40;
  const values = series.map((p) => Number(p.revenue));
  const max = Math.max(1, ...values);
  const plotW = width - left - right, plotH = height - top - bottom;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-labelledby': 'chart-title' });
  root.append(svg('title', { id: 'chart-title' }, title));
  for (let i = 0; i <= 4; i++) {
    const y = top + plotH - (plotH * i) / 4;
    root.append(svg('line', { x1: left, x2: width - right, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, ((max * i) / 4).toFixed(2)));
  }
  const step = plotW / Math.max(1, series.length);
  const barW = Math.max(1, step * 0.7);
  const labelEvery = Math.ceil(series.length / 8);
  series.forEach((p, i) => {
    const hgt = (plotH * values[i]) / max;
    const x = left + i * step + (step - barW) / 2;
    const bar = svg('rect', { x, y: top + plotH - hgt, width: barW, height: Math.max(0, hgt), class: 'bar' });
    bar.append(svg('title', {}, `${p.period_start}: ${p.revenue} (${p.orders} orders)`));
    root.append(bar);
    if (i % labelEvery === 0) {
      root.append(svg('text', { x: left + i * step + step / 2, y: height - bottom + 16, 'text-anchor': 'middle' },
        label(p.period_start)));
    }
  });
  root.append(svg('line', { x1: left, x2: width - right, y1: top + plotH, y2: top + plotH, class: 'axis' }));
  return root;
}
