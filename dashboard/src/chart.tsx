import { useEffect, useRef } from 'preact/hooks';

export interface ChartSeries {
  label: string;
  values: number[];
  stroke: string;
  fill: string;
}

/** Click series over time drawn by uPlot, loaded on first use so the other pages do not pay for it. */
export function TimeChart(props: { times: string[]; series: ChartSeries[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: { destroy(): void } | null = null;
    let cancelled = false;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (cancelled || !box.current) return;
      const xs = props.times.map((t) => Date.parse(t) / 1000);
      const width = Math.max(260, box.current.clientWidth);
      plot = new UPlot(
        {
          width,
          height: 220,
          legend: { show: false },
          scales: { x: { time: true } },
          axes: [{ stroke: '#888' }, { stroke: '#888', grid: { stroke: 'rgba(128,128,128,.15)' } }],
          series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.stroke, fill: s.fill, width: 2 }))],
        },
        [xs, ...props.series.map((s) => s.values)],
        box.current,
      );
    });
    return () => {
      cancelled = true;
      plot?.destroy();
    };
  }, [props.times, props.series]);
  return (
    <figure class="chart-figure">
      <div ref={box} class="chart" role="img" aria-label={props.label} />
      {props.series.length > 1 && (
        <figcaption class="chart-legend">
          {props.series.map((s) => (
            <span key={s.label}>
              <i style={{ background: s.stroke }} aria-hidden="true" /> {s.label}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
