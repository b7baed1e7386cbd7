-- The work map's summary per period and value stream (metrics.md 4).
{{ value_stream_map_summary(ref('mart_value_stream_map_work')) }}
