"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** One bar group: a bucket label and the amount of each series (human units). */
export type ChartRow = { bucket: string } & Record<string, number | string>;

const COLORS = ["#b45309", "#0f766e", "#1d4ed8", "#9333ea", "#be123c", "#4d7c0f", "#475569"];

/** Revenue over time in one unit (a token symbol) as stacked bars, one color per series (route or network). */
export function RevenueChart({ unit, rows, series }: { unit: string; rows: ChartRow[]; series: string[] }) {
  if (series.length === 0) return <p className="py-16 text-center text-sm text-stone-600">No settled payments in this period.</p>;
  return (
    <div className="h-80 w-full" data-testid="revenue-chart" data-unit={unit}>
      <ResponsiveContainer>
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="bucket" tick={{ fontSize: 12 }} />
          <YAxis tick={{ fontSize: 12 }} width={70} label={{ value: unit, angle: -90, position: "insideLeft", fontSize: 12 }} />
          <Tooltip formatter={(value) => `${value} ${unit}`} />
          <Legend />
          {series.map((s, i) => (
            <Bar key={s} dataKey={s} stackId="revenue" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
