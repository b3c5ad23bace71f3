-- Codes, not free text (issue 16): what each service's own migration uses to bring existing
-- rows to the rule "personal and sealed, or a code" (homeward_shared.codes).
--
-- Each service keeps what it set aside in its own table: intake, investigation and the
-- dashboard a trace of a dropped value (ids and a reason), recovery and reintegration the
-- value itself, sealed under her case key (homeward_shared.set_aside).

-- Known spellings of Cambodia's provinces (pycountry's ISO 3166-2:KH names, the common
-- English spellings, the codes themselves), lower-case letters only, to their ISO code.
CREATE FUNCTION {schema}.kh_province_code(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT code FROM (VALUES
    ('baatdambang', 'KH-2'), ('banteaymeanchey', 'KH-1'), ('banteaymeanchoay', 'KH-1'), ('battambang', 'KH-2'), ('kaeb', 'KH-23'), ('kampongchaam', 'KH-3'),
    ('kampongcham', 'KH-3'), ('kampongchhnang', 'KH-4'), ('kampongsom', 'KH-18'), ('kampongspeu', 'KH-5'), ('kampongspueu', 'KH-5'), ('kampongthom', 'KH-6'),
    ('kampongthum', 'KH-6'), ('kampot', 'KH-7'), ('kandaal', 'KH-8'), ('kandal', 'KH-8'), ('kaohkong', 'KH-9'), ('kep', 'KH-23'),
    ('kohkong', 'KH-9'), ('kracheh', 'KH-10'), ('kratie', 'KH-10'), ('mondolkiri', 'KH-11'), ('mondulkiri', 'KH-11'),
    ('oddarmeanchey', 'KH-22'), ('otdarmeanchey', 'KH-22'), ('pailin', 'KH-24'), ('phnompenh', 'KH-12'), ('pousaat', 'KH-15'), ('preahsihanouk', 'KH-18'),
    ('preahvihear', 'KH-13'), ('preyveaeng', 'KH-14'), ('preyveng', 'KH-14'), ('pursat', 'KH-15'), ('ratanakiri', 'KH-16'), ('ratanakkiri', 'KH-16'),
    ('rotanakkiri', 'KH-16'), ('siemreab', 'KH-17'), ('siemreap', 'KH-17'), ('sihanoukville', 'KH-18'), ('steungtreng', 'KH-19'), ('stuengtraeng', 'KH-19'),
    ('stungtreng', 'KH-19'), ('svaayrieng', 'KH-20'), ('svayrieng', 'KH-20'), ('taakaev', 'KH-21'), ('takeo', 'KH-21'), ('tbongkhmum', 'KH-25'),
    ('tboungkhmum', 'KH-25'),
    ('kh1', 'KH-1'), ('kh2', 'KH-2'), ('kh3', 'KH-3'), ('kh4', 'KH-4'), ('kh5', 'KH-5'), ('kh6', 'KH-6'), ('kh7', 'KH-7'), ('kh8', 'KH-8'), ('kh9', 'KH-9'), ('kh10', 'KH-10'), ('kh11', 'KH-11'), ('kh12', 'KH-12'), ('kh13', 'KH-13'), ('kh14', 'KH-14'), ('kh15', 'KH-15'), ('kh16', 'KH-16'), ('kh17', 'KH-17'), ('kh18', 'KH-18'), ('kh19', 'KH-19'), ('kh20', 'KH-20'), ('kh21', 'KH-21'), ('kh22', 'KH-22'), ('kh23', 'KH-23'), ('kh24', 'KH-24'), ('kh25', 'KH-25')
  ) AS known(spelling, code)
  WHERE spelling = lower(regexp_replace(value, '[^A-Za-z0-9]', '', 'g'))
$$;

-- ISO 639-1 codes, their ISO 639-3 equivalents and English names, to the ISO 639-1 code.
-- A language with no 639-1 code and no listed spelling is set aside by the caller.
CREATE FUNCTION {schema}.iso639_code(value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT code FROM (VALUES
    ('aa', 'aa'), ('aar', 'aa'), ('ab', 'ab'), ('abk', 'ab'), ('abkhazian', 'ab'), ('ae', 'ae'),
    ('af', 'af'), ('afar', 'aa'), ('afr', 'af'), ('afrikaans', 'af'), ('ak', 'ak'), ('aka', 'ak'),
    ('akan', 'ak'), ('albanian', 'sq'), ('am', 'am'), ('amh', 'am'), ('amharic', 'am'), ('an', 'an'),
    ('ar', 'ar'), ('ara', 'ar'), ('arabic', 'ar'), ('aragonese', 'an'), ('arg', 'an'), ('armenian', 'hy'),
    ('as', 'as'), ('asm', 'as'), ('assamese', 'as'), ('av', 'av'), ('ava', 'av'), ('avaric', 'av'),
    ('ave', 'ae'), ('avestan', 'ae'), ('ay', 'ay'), ('aym', 'ay'), ('aymara', 'ay'), ('az', 'az'),
    ('aze', 'az'), ('azerbaijani', 'az'), ('ba', 'ba'), ('bak', 'ba'), ('bam', 'bm'), ('bambara', 'bm'),
    ('bashkir', 'ba'), ('basque', 'eu'), ('be', 'be'), ('bel', 'be'), ('belarusian', 'be'), ('ben', 'bn'),
    ('bengali', 'bn'), ('bg', 'bg'), ('bi', 'bi'), ('bis', 'bi'), ('bislama', 'bi'), ('bm', 'bm'),
    ('bn', 'bn'), ('bo', 'bo'), ('bod', 'bo'), ('bos', 'bs'), ('bosnian', 'bs'), ('br', 'br'),
    ('bre', 'br'), ('breton', 'br'), ('bs', 'bs'), ('bul', 'bg'), ('bulgarian', 'bg'), ('burmese', 'my'),
    ('ca', 'ca'), ('cat', 'ca'), ('catalan', 'ca'), ('ce', 'ce'), ('ces', 'cs'), ('ch', 'ch'),
    ('cha', 'ch'), ('chamorro', 'ch'), ('che', 'ce'), ('chechen', 'ce'), ('chichewa', 'ny'), ('chinese', 'zh'),
    ('chu', 'cu'), ('churchslavic', 'cu'), ('chuvash', 'cv'), ('chv', 'cv'), ('co', 'co'), ('cor', 'kw'),
    ('cornish', 'kw'), ('corsican', 'co'), ('cos', 'co'), ('cr', 'cr'), ('cre', 'cr'), ('cree', 'cr'),
    ('croatian', 'hr'), ('cs', 'cs'), ('cu', 'cu'), ('cv', 'cv'), ('cy', 'cy'), ('cym', 'cy'),
    ('czech', 'cs'), ('da', 'da'), ('dan', 'da'), ('danish', 'da'), ('de', 'de'), ('deu', 'de'),
    ('div', 'dv'), ('divehi', 'dv'), ('dutch', 'nl'), ('dv', 'dv'), ('dz', 'dz'), ('dzo', 'dz'),
    ('dzongkha', 'dz'), ('ee', 'ee'), ('el', 'el'), ('ell', 'el'), ('en', 'en'), ('eng', 'en'),
    ('english', 'en'), ('eo', 'eo'), ('epo', 'eo'), ('es', 'es'), ('esperanto', 'eo'), ('est', 'et'),
    ('estonian', 'et'), ('et', 'et'), ('eu', 'eu'), ('eus', 'eu'), ('ewe', 'ee'), ('fa', 'fa'),
    ('fao', 'fo'), ('faroese', 'fo'), ('fas', 'fa'), ('ff', 'ff'), ('fi', 'fi'), ('fij', 'fj'),
    ('fijian', 'fj'), ('fin', 'fi'), ('finnish', 'fi'), ('fj', 'fj'), ('fo', 'fo'), ('fr', 'fr'),
    ('fra', 'fr'), ('french', 'fr'), ('fry', 'fy'), ('ful', 'ff'), ('fulah', 'ff'), ('fy', 'fy'),
    ('ga', 'ga'), ('galician', 'gl'), ('ganda', 'lg'), ('gd', 'gd'), ('georgian', 'ka'), ('german', 'de'),
    ('gl', 'gl'), ('gla', 'gd'), ('gle', 'ga'), ('glg', 'gl'), ('glv', 'gv'), ('gn', 'gn'),
    ('grn', 'gn'), ('gu', 'gu'), ('guarani', 'gn'), ('guj', 'gu'), ('gujarati', 'gu'), ('gv', 'gv'),
    ('ha', 'ha'), ('haitian', 'ht'), ('hat', 'ht'), ('hau', 'ha'), ('hausa', 'ha'), ('hbs', 'sh'),
    ('he', 'he'), ('heb', 'he'), ('hebrew', 'he'), ('her', 'hz'), ('herero', 'hz'), ('hi', 'hi'),
    ('hin', 'hi'), ('hindi', 'hi'), ('hirimotu', 'ho'), ('hmo', 'ho'), ('ho', 'ho'), ('hr', 'hr'),
    ('hrv', 'hr'), ('ht', 'ht'), ('hu', 'hu'), ('hun', 'hu'), ('hungarian', 'hu'), ('hy', 'hy'),
    ('hye', 'hy'), ('hz', 'hz'), ('ia', 'ia'), ('ibo', 'ig'), ('icelandic', 'is'), ('id', 'id'),
    ('ido', 'io'), ('ie', 'ie'), ('ig', 'ig'), ('igbo', 'ig'), ('ii', 'ii'), ('iii', 'ii'),
    ('ik', 'ik'), ('iku', 'iu'), ('ile', 'ie'), ('ina', 'ia'), ('ind', 'id'), ('indonesian', 'id'),
    ('interlinguainternationalauxiliarylanguageassociation', 'ia'), ('interlingue', 'ie'), ('inuktitut', 'iu'), ('inupiaq', 'ik'), ('io', 'io'), ('ipk', 'ik'),
    ('irish', 'ga'), ('is', 'is'), ('isl', 'is'), ('it', 'it'), ('ita', 'it'), ('italian', 'it'),
    ('iu', 'iu'), ('ja', 'ja'), ('japanese', 'ja'), ('jav', 'jv'), ('javanese', 'jv'), ('jpn', 'ja'),
    ('jv', 'jv'), ('ka', 'ka'), ('kal', 'kl'), ('kalaallisut', 'kl'), ('kan', 'kn'), ('kannada', 'kn'),
    ('kanuri', 'kr'), ('kas', 'ks'), ('kashmiri', 'ks'), ('kat', 'ka'), ('kau', 'kr'), ('kaz', 'kk'),
    ('kazakh', 'kk'), ('kg', 'kg'), ('khm', 'km'), ('khmer', 'km'), ('ki', 'ki'), ('kik', 'ki'),
    ('kikuyu', 'ki'), ('kin', 'rw'), ('kinyarwanda', 'rw'), ('kir', 'ky'), ('kirghiz', 'ky'), ('kj', 'kj'),
    ('kk', 'kk'), ('kl', 'kl'), ('km', 'km'), ('kn', 'kn'), ('ko', 'ko'), ('kom', 'kv'),
    ('komi', 'kv'), ('kon', 'kg'), ('kongo', 'kg'), ('kor', 'ko'), ('korean', 'ko'), ('kr', 'kr'),
    ('ks', 'ks'), ('ku', 'ku'), ('kua', 'kj'), ('kuanyama', 'kj'), ('kur', 'ku'), ('kurdish', 'ku'),
    ('kv', 'kv'), ('kw', 'kw'), ('ky', 'ky'), ('la', 'la'), ('lao', 'lo'), ('lat', 'la'),
    ('latin', 'la'), ('latvian', 'lv'), ('lav', 'lv'), ('lb', 'lb'), ('lg', 'lg'), ('li', 'li'),
    ('lim', 'li'), ('limburgan', 'li'), ('lin', 'ln'), ('lingala', 'ln'), ('lit', 'lt'), ('lithuanian', 'lt'),
    ('ln', 'ln'), ('lo', 'lo'), ('lt', 'lt'), ('ltz', 'lb'), ('lu', 'lu'), ('lub', 'lu'),
    ('lubakatanga', 'lu'), ('lug', 'lg'), ('luxembourgish', 'lb'), ('lv', 'lv'), ('macedonian', 'mk'), ('mah', 'mh'),
    ('mal', 'ml'), ('malagasy', 'mg'), ('malayalam', 'ml'), ('malaymacrolanguage', 'ms'), ('maltese', 'mt'), ('manx', 'gv'),
    ('maori', 'mi'), ('mar', 'mr'), ('marathi', 'mr'), ('marshallese', 'mh'), ('mg', 'mg'), ('mh', 'mh'),
    ('mi', 'mi'), ('mk', 'mk'), ('mkd', 'mk'), ('ml', 'ml'), ('mlg', 'mg'), ('mlt', 'mt'),
    ('mn', 'mn'), ('moderngreek', 'el'), ('mon', 'mn'), ('mongolian', 'mn'), ('mr', 'mr'), ('mri', 'mi'),
    ('ms', 'ms'), ('msa', 'ms'), ('mt', 'mt'), ('my', 'my'), ('mya', 'my'), ('na', 'na'),
    ('nau', 'na'), ('nauru', 'na'), ('nav', 'nv'), ('navajo', 'nv'), ('nb', 'nb'), ('nbl', 'nr'),
    ('nd', 'nd'), ('nde', 'nd'), ('ndo', 'ng'), ('ndonga', 'ng'), ('ne', 'ne'), ('nep', 'ne'),
    ('nepalimacrolanguage', 'ne'), ('ng', 'ng'), ('nl', 'nl'), ('nld', 'nl'), ('nn', 'nn'), ('nno', 'nn'),
    ('no', 'no'), ('nob', 'nb'), ('nor', 'no'), ('northernsami', 'se'), ('northndebele', 'nd'), ('norwegian', 'no'),
    ('norwegianbokmal', 'nb'), ('norwegiannynorsk', 'nn'), ('nr', 'nr'), ('nv', 'nv'), ('ny', 'ny'), ('nya', 'ny'),
    ('oc', 'oc'), ('occitanpost', 'oc'), ('oci', 'oc'), ('oj', 'oj'), ('oji', 'oj'), ('ojibwa', 'oj'),
    ('om', 'om'), ('or', 'or'), ('ori', 'or'), ('oriyamacrolanguage', 'or'), ('orm', 'om'), ('oromo', 'om'),
    ('os', 'os'), ('oss', 'os'), ('ossetian', 'os'), ('pa', 'pa'), ('pali', 'pi'), ('pan', 'pa'),
    ('panjabi', 'pa'), ('persian', 'fa'), ('pi', 'pi'), ('pl', 'pl'), ('pli', 'pi'), ('pol', 'pl'),
    ('polish', 'pl'), ('por', 'pt'), ('portuguese', 'pt'), ('ps', 'ps'), ('pt', 'pt'), ('pus', 'ps'),
    ('pushto', 'ps'), ('qu', 'qu'), ('que', 'qu'), ('quechua', 'qu'), ('rm', 'rm'), ('rn', 'rn'),
    ('ro', 'ro'), ('roh', 'rm'), ('romanian', 'ro'), ('romansh', 'rm'), ('ron', 'ro'), ('ru', 'ru'),
    ('run', 'rn'), ('rundi', 'rn'), ('rus', 'ru'), ('russian', 'ru'), ('rw', 'rw'), ('sa', 'sa'),
    ('sag', 'sg'), ('samoan', 'sm'), ('san', 'sa'), ('sango', 'sg'), ('sanskrit', 'sa'), ('sardinian', 'sc'),
    ('sc', 'sc'), ('scottishgaelic', 'gd'), ('sd', 'sd'), ('se', 'se'), ('serbian', 'sr'), ('serbocroatian', 'sh'),
    ('sg', 'sg'), ('sh', 'sh'), ('shona', 'sn'), ('si', 'si'), ('sichuanyi', 'ii'), ('sin', 'si'),
    ('sindhi', 'sd'), ('sinhala', 'si'), ('sk', 'sk'), ('sl', 'sl'), ('slk', 'sk'), ('slovak', 'sk'),
    ('slovenian', 'sl'), ('slv', 'sl'), ('sm', 'sm'), ('sme', 'se'), ('smo', 'sm'), ('sn', 'sn'),
    ('sna', 'sn'), ('snd', 'sd'), ('so', 'so'), ('som', 'so'), ('somali', 'so'), ('sot', 'st'),
    ('southernsotho', 'st'), ('southndebele', 'nr'), ('spa', 'es'), ('spanish', 'es'), ('sq', 'sq'), ('sqi', 'sq'),
    ('sr', 'sr'), ('srd', 'sc'), ('srp', 'sr'), ('ss', 'ss'), ('ssw', 'ss'), ('st', 'st'),
    ('su', 'su'), ('sun', 'su'), ('sundanese', 'su'), ('sv', 'sv'), ('sw', 'sw'), ('swa', 'sw'),
    ('swahilimacrolanguage', 'sw'), ('swati', 'ss'), ('swe', 'sv'), ('swedish', 'sv'), ('ta', 'ta'), ('tagalog', 'tl'),
    ('tah', 'ty'), ('tahitian', 'ty'), ('tajik', 'tg'), ('tam', 'ta'), ('tamil', 'ta'), ('tat', 'tt'),
    ('tatar', 'tt'), ('te', 'te'), ('tel', 'te'), ('telugu', 'te'), ('tg', 'tg'), ('tgk', 'tg'),
    ('tgl', 'tl'), ('th', 'th'), ('tha', 'th'), ('thai', 'th'), ('ti', 'ti'), ('tibetan', 'bo'),
    ('tigrinya', 'ti'), ('tir', 'ti'), ('tk', 'tk'), ('tl', 'tl'), ('tn', 'tn'), ('to', 'to'),
    ('ton', 'to'), ('tongatongaislands', 'to'), ('tr', 'tr'), ('ts', 'ts'), ('tsn', 'tn'), ('tso', 'ts'),
    ('tsonga', 'ts'), ('tswana', 'tn'), ('tt', 'tt'), ('tuk', 'tk'), ('tur', 'tr'), ('turkish', 'tr'),
    ('turkmen', 'tk'), ('tw', 'tw'), ('twi', 'tw'), ('ty', 'ty'), ('ug', 'ug'), ('uig', 'ug'),
    ('uighur', 'ug'), ('uk', 'uk'), ('ukr', 'uk'), ('ukrainian', 'uk'), ('ur', 'ur'), ('urd', 'ur'),
    ('urdu', 'ur'), ('uz', 'uz'), ('uzb', 'uz'), ('uzbek', 'uz'), ('ve', 've'), ('ven', 've'),
    ('venda', 've'), ('vi', 'vi'), ('vie', 'vi'), ('vietnamese', 'vi'), ('vo', 'vo'), ('vol', 'vo'),
    ('volapuk', 'vo'), ('wa', 'wa'), ('walloon', 'wa'), ('welsh', 'cy'), ('westernfrisian', 'fy'), ('wln', 'wa'),
    ('wo', 'wo'), ('wol', 'wo'), ('wolof', 'wo'), ('xh', 'xh'), ('xho', 'xh'), ('xhosa', 'xh'),
    ('yi', 'yi'), ('yid', 'yi'), ('yiddish', 'yi'), ('yo', 'yo'), ('yor', 'yo'), ('yoruba', 'yo'),
    ('za', 'za'), ('zh', 'zh'), ('zha', 'za'), ('zho', 'zh'), ('zhuang', 'za'), ('zu', 'zu'),
    ('zul', 'zu'), ('zulu', 'zu')
  ) AS known(spelling, code)
  WHERE spelling = lower(regexp_replace(value, '[^A-Za-z]', '', 'g'))
$$;

-- A district code: four digits, the first two a province's number (01-25), not 00 after.
-- With a province, the district must lie in it.
CREATE FUNCTION {schema}.kh_district_ok(value text, province text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT value ~ '^[0-9]{4}$'
     AND substr(value, 1, 2)::int BETWEEN 1 AND 25
     AND substr(value, 3, 2) <> '00'
     AND (province IS NULL OR 'KH-' || substr(value, 1, 2)::int = province)
$$;
