import { useEffect, useRef } from 'preact/hooks';

/** A click chart drawn by uPlot, loaded on first use so the links pages do not pay for it. */
export function ClickChart(props: { points: { start: string; clicks: number }[]; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let plot: { destroy(): void } | null = null;
    let cancelled = false;
    void Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([{ default: UPlot }]) => {
      if (cancelled || !box.current) return;
      const xs = props.points.map((p) => Date.parse(p.start) / 1000);
      const ys = props.points.map((p) => p.clicks);
      const width = Math.max(280, box.current.clientWidth);
      plot = new UPlot(
        {
          width,
          height: 220,
          legend: { show: false },
          scales: { x: { time: true } },
          axes: [{ stroke: '#888' }, { stroke: '#888', grid: { stroke: 'rgba(128,128,128,.15)' } }],
          series: [{}, { label: 'Clicks', stroke: '#3b5bdb', fill: 'rgba(59,91,219,.12)', width: 2 }],
        },
        [xs, ys],
        box.current,
      );
    });
    return () => {
      cancelled = true;
      plot?.destroy();
    };
  }, [props.points]);
  return <div ref={box} class="chart" role="img" aria-label={props.label} />;
}
