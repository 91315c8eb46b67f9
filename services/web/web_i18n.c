/*
 * web_i18n: the string table of web_i18n.h, laid out by language.
 */
#include "web_i18n.h"

#include <string.h>

const char *const web_lang_codes[WEB_LANGS] = {"en", "no", "pt", "et", "lt"};
const char *const web_lang_names[WEB_LANGS] = {"English", "Norsk",
                                               "Português", "Eesti",
                                               "Lietuvių"};

static const char *const s_text[T_COUNT][WEB_LANGS] = {
#define WEB_I18N_ROW(key, en, no, pt, et, lt) [key] = {en, no, pt, et, lt},
    WEB_I18N_TABLE(WEB_I18N_ROW)
#undef WEB_I18N_ROW
};

int web_lang_index(const char *code)
{
    for (int i = 0; i < WEB_LANGS; i++) {
        if (code != NULL && strcmp(code, web_lang_codes[i]) == 0) {
            return i;
        }
    }
    return -1;
}

const char *web_text(int lang, web_text_t key)
{
    if (lang < 0 || lang >= WEB_LANGS) {
        lang = 0;
    }
    return s_text[key][lang];
}
