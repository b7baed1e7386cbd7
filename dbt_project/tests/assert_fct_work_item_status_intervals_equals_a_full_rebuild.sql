-- The incremental fct_work_item_status_intervals holds exactly the visits a full rebuild
-- from the whole changelog would (int_work_item_status_intervals): the same items, states,
-- times and durations, and nothing else.
with

kept as (

    select
        work_item_interval_key,
        work_item_key,
        value_stream_id,
        team_id,
        flow_item_type,
        is_canceled,
        visit_number,
        status_id,
        status_name,
        flow_state,
        entered_at,
        exited_at,
        duration_s,
        flagged_s,
        active_s
    from {{ ref('fct_work_item_status_intervals') }}

),

rebuilt as (

    select
        work_item_interval_key,
        work_item_key,
        value_stream_id,
        team_id,
        flow_item_type,
        is_canceled,
        visit_number,
        status_id,
        status_name,
        flow_state,
        entered_at,
        exited_at,
        duration_s,
        flagged_s,
        active_s
    from {{ ref('int_work_item_status_intervals') }}

),

only_in_kept as (

    select * from kept
    except
    select * from rebuilt

),

only_in_rebuild as (

    select * from rebuilt
    except
    select * from kept

)

select
    'only in fct_work_item_status_intervals' as difference,
    *
from only_in_kept
union all
select
    'missing from fct_work_item_status_intervals' as difference,
    *
from only_in_rebuild
