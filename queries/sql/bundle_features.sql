-- features.bundles: one row per distinct app bundle with its tokens and shape. Bundles are
-- few (thousands) against events (millions), so the text work is done once per bundle and
-- joined back to events by the segment feature query.
create or replace table features.bundles as
with

bundles as (
    select distinct coalesce(bundle, '') as bundle
    from raw.ad_events
),

split as (
    select
        bundle,
        -- Camel case becomes dots ("HTTPServer" -> "HTTP.Server", "browserLite" ->
        -- "browser.Lite"), then dots, underscores and dashes split the tokens.
        string_split_regex(
            lower(
                regexp_replace(
                    regexp_replace(bundle, '([A-Z]+)([A-Z][a-z])', '\1.\2', 'g'),
                    '([a-z])([A-Z])', '\1.\2', 'g'
                )
            ),
            '[._\-]+'
        ) as raw_tokens
    from bundles
),

tokens as (
    select
        bundle,
        -- Words every bundle shares carry no signal.
        list_filter(
            raw_tokens,
            lambda t: t <> '' and t not in ('com', 'org', 'android', 'app')
        ) as bundle_tokens
    from split
),

final as (
    select
        bundle,
        bundle_tokens,
        array_to_string(bundle_tokens, '.') as bundle_token_text,
        len(bundle_tokens)::smallint as bundle_token_count,
        -- The publisher's namespace: the first two dot parts, e.g. com.nexters.
        lower(split_part(bundle, '.', 1) || '.' || split_part(bundle, '.', 2)) as bundle_vendor,
        (length(bundle) - length(replace(bundle, '.', '')))::smallint as bundle_dots,
        length(regexp_replace(bundle, '[^A-Z]', '', 'g'))::smallint as bundle_capitals,
        length(regexp_replace(bundle, '[^0-9]', '', 'g'))::smallint as bundle_digits,
        length(bundle)::smallint as bundle_length
    from tokens
)

select * from final;

comment on table features.bundles is 'One row per distinct app bundle of raw.ad_events: tokens (split on dots, underscores, dashes and camel case, without com, org, android, app) and shape. Rebuilt by the segment model.';
comment on column features.bundles.bundle is 'App bundle id as exported (empty string when missing).';
comment on column features.bundles.bundle_tokens is 'Lower-case tokens of the bundle, common words dropped.';
comment on column features.bundles.bundle_token_text is 'The tokens joined by dots: the bundle as text for TF-IDF or CatBoost text features.';
comment on column features.bundles.bundle_token_count is 'Number of tokens kept.';
comment on column features.bundles.bundle_vendor is 'First two dot parts of the bundle, lower case: the publisher namespace.';
comment on column features.bundles.bundle_dots is 'Number of dots in the bundle.';
comment on column features.bundles.bundle_capitals is 'Number of capital letters in the bundle.';
comment on column features.bundles.bundle_digits is 'Number of digits in the bundle.';
comment on column features.bundles.bundle_length is 'Length of the bundle in characters.';
