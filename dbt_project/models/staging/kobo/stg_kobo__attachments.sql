-- The files attached to the submissions of every form (photos, signatures, audio): one row
-- per entry of a current submission's `_attachments`, as metadata only. The bytes are
-- downloaded, for the forms whose registry entry says download_attachments: true, into
-- DTM_HOME/attachments/<dataset>/<submission_id>/<file name> (dtm_platform/kobo/attachments.py)
-- and never leave it. The download URL is kept without user info, query string or fragment,
-- where a token could travel; the file name is left out when the question is one the
-- registry declares personal.
{% for dataset in var('kobo_datasets') %}
{%- set personal = var('dtm_personal_fields', {}).get(dataset, {}).keys() | list %}
{% if not loop.first %}union all{% endif %}
select
    '{{ dataset }}' as dataset,
    submission_id,
    position,
    coalesce(attachment ->> 'uid', attachment ->> 'id') as attachment_id,
    {% if personal -%}
    case when attachment ->> 'question_xpath' in ('{{ personal | join("', '") }}') then null else
    {%- endif %}
    nullif(coalesce(attachment ->> 'media_file_basename', regexp_extract(attachment ->> 'filename', '[^/]*$')), '')
    {%- if personal %} end{% endif %} as file_name,
    attachment ->> 'mimetype' as mime_type,
    attachment ->> 'question_xpath' as question_xpath,
    nullif(regexp_replace(split_part(split_part(attachment ->> 'download_url', '#', 1), '?', 1),
                          '^([A-Za-z][A-Za-z0-9+.-]*://)[^/@]*@', '\1'), '') as download_url,
    coalesce(try_cast(attachment ->> 'is_deleted' as boolean), false) as is_deleted
from (
    select
        _id as submission_id,
        generate_subscripts(cast(payload -> '$._attachments' as json[]), 1) as position,
        unnest(cast(payload -> '$._attachments' as json[])) as attachment
    from {{ source('kobo', 'kobo_' ~ dataset) }}
    where deleted_at is null and json_array_length(payload -> '$._attachments') > 0
)
{% endfor %}
