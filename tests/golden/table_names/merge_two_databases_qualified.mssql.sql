SELECT leo_merged.[AE_ID], leo_merged.[HE_XMODE01] 
FROM (SELECT leo_m.[AE_ID] AS [AE_ID], leo_m.[PUPILMATCHINGREFANONYMOUS] AS [PUPILMATCHINGREFANONYMOUS], leo_u.[HE_XMODE01] AS [HE_XMODE01] 
FROM [LEO_i2].p1234.learner_ae_id_to_pmr_lookup AS leo_m JOIN hesa_i2.p1234.hesa_2016 AS leo_u ON ((ISNULL(leo_m.[PUPILMATCHINGREFANONYMOUS], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (ISNULL(leo_u.[HE_PUPILMATCHINGREFANONYMOUS], '') + CHAR(1))) AS leo_merged ORDER BY (ISNULL(leo_merged.[PUPILMATCHINGREFANONYMOUS], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2
-- probe: unique on HE_PUPILMATCHINGREFANONYMOUS
SELECT TOP 1 1 AS leo_duplicate 
FROM (SELECT coalesce(leo_t.[HE_PUPILMATCHINGREFANONYMOUS], '') COLLATE Latin1_General_100_BIN2 AS leo_k0, (coalesce(leo_t.[HE_PUPILMATCHINGREFANONYMOUS], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2 AS leo_kl0 
FROM hesa_i2.p1234.hesa_2016 AS leo_t) AS leo_keys GROUP BY leo_keys.leo_k0, leo_keys.leo_kl0 
HAVING count(*) > 1
