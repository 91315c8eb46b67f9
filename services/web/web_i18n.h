/*
 * web_i18n: the portal's own words in the five report languages (en no pt
 * et lt).  The report pages carry their own words (config/messages); these
 * are only the portal's forms, menus and notices.  A table in code: the
 * strings are few and fixed, and a missing translation is a build error.
 */
#ifndef WEB_I18N_H
#define WEB_I18N_H

#include <stdbool.h>

/* X(key, en, no, pt, et, lt) */
#define WEB_I18N_TABLE(X)                                                    \
    X(T_TITLE, "benchlearn", "benchlearn", "benchlearn", "benchlearn",       \
      "benchlearn")                                                          \
    X(T_LOGIN, "Log in", "Logg inn", "Entrar", "Logi sisse", "Prisijungti")  \
    X(T_LOGOUT, "Log out", "Logg ut", "Sair", "Logi välja", "Atsijungti")    \
    X(T_USER, "Login", "Brukernavn", "Utilizador", "Kasutajanimi",           \
      "Prisijungimo vardas")                                                 \
    X(T_PASSWORD, "Password", "Passord", "Palavra-passe", "Parool",         \
      "Slaptažodis")                                                         \
    X(T_WRONG, "Wrong login or password.", "Feil brukernavn eller passord.", \
      "Utilizador ou palavra-passe errados.",                               \
      "Vale kasutajanimi või parool.",                                       \
      "Neteisingas vardas arba slaptažodis.")                                \
    X(T_LOCKED, "Too many failed log-ins: this login is locked for 15 "      \
      "minutes.", "For mange mislykkede forsøk: brukeren er låst i 15 "      \
      "minutter.", "Demasiadas tentativas falhadas: este utilizador fica "   \
      "bloqueado durante 15 minutos.", "Liiga palju ebaõnnestunud "          \
      "katseid: kasutaja on 15 minutiks lukus.", "Per daug nesėkmingų "      \
      "bandymų: vartotojas užrakintas 15 minučių.")                          \
    X(T_NEW_PASSWORD, "New password", "Nytt passord", "Nova palavra-passe",  \
      "Uus parool", "Naujas slaptažodis")                                    \
    X(T_REPEAT, "New password again", "Nytt passord igjen",                  \
      "Repita a nova palavra-passe", "Uus parool uuesti",                    \
      "Pakartokite naują slaptažodį")                                        \
    X(T_CHANGE_PASSWORD, "Change password", "Bytt passord",                  \
      "Mudar palavra-passe", "Muuda parooli", "Keisti slaptažodį")           \
    X(T_MUST_CHANGE, "Choose your own password (at least 10 characters).",   \
      "Velg ditt eget passord (minst 10 tegn).",                             \
      "Escolha a sua palavra-passe (pelo menos 10 caracteres).",             \
      "Valige oma parool (vähemalt 10 märki).",                              \
      "Pasirinkite savo slaptažodį (bent 10 simbolių).")                     \
    X(T_PASSWORD_BAD, "The two passwords differ or are shorter than 10 "     \
      "characters.", "Passordene er ulike eller kortere enn 10 tegn.",       \
      "As palavras-passe diferem ou têm menos de 10 caracteres.",            \
      "Paroolid erinevad või on lühemad kui 10 märki.",                      \
      "Slaptažodžiai skiriasi arba trumpesni nei 10 simbolių.")              \
    X(T_LANGUAGE, "Language", "Språk", "Idioma", "Keel", "Kalba")            \
    X(T_SAVE, "Save", "Lagre", "Guardar", "Salvesta", "Išsaugoti")           \
    X(T_HOME, "Home", "Hjem", "Início", "Avaleht", "Pradžia")                \
    X(T_UPLOAD, "Send a file", "Send en fil", "Enviar um ficheiro",          \
      "Saada fail", "Siųsti failą")                                          \
    X(T_FILE, "CSV file", "CSV-fil", "Ficheiro CSV", "CSV-fail",             \
      "CSV failas")                                                          \
    X(T_SEND, "Send", "Send", "Enviar", "Saada", "Siųsti")                   \
    X(T_SUBMISSIONS, "Submissions", "Innsendinger", "Submissões",            \
      "Saadetised", "Pateikimai")                                            \
    X(T_SUBMISSION, "Submission", "Innsending", "Submissão", "Saadetis",     \
      "Pateikimas")                                                          \
    X(T_REPORTS, "Reports", "Rapporter", "Relatórios", "Aruanded",           \
      "Ataskaitos")                                                          \
    X(T_PERIOD, "Period", "Periode", "Período", "Periood", "Laikotarpis")    \
    X(T_NONE_YET, "None yet.", "Ingen ennå.", "Ainda nenhum.",               \
      "Veel pole.", "Dar nėra.")                                             \
    X(T_ROWS, "rows", "rader", "linhas", "rida", "eilutės")                  \
    X(T_ACCEPTED, "accepted", "godtatt", "aceites", "vastu võetud",          \
      "priimta")                                                             \
    X(T_WARNED, "with warnings", "med advarsler", "com avisos",              \
      "hoiatustega", "su įspėjimais")                                        \
    X(T_REJECTED, "rejected", "avvist", "rejeitadas", "tagasi lükatud",      \
      "atmesta")                                                             \
    X(T_VALIDATING, "Being validated: reload the page in a moment.",         \
      "Valideres: last siden på nytt om litt.",                              \
      "Em validação: recarregue a página daqui a pouco.",                    \
      "Kontrollimisel: laadige leht hetke pärast uuesti.",                   \
      "Tikrinama: netrukus atnaujinkite puslapį.")                           \
    X(T_LINE, "Line", "Linje", "Linha", "Rida", "Eilutė")                    \
    X(T_FIELD, "Field", "Felt", "Campo", "Väli", "Laukas")                   \
    X(T_REASON, "Reason", "Årsak", "Motivo", "Põhjus", "Priežastis")         \
    X(T_WHOLE_REJECTED, "The file was rejected as a whole:",                 \
      "Filen ble avvist i sin helhet:", "O ficheiro foi rejeitado por "      \
      "inteiro:", "Fail lükati tervikuna tagasi:", "Visas failas atmestas:") \
    X(T_DOWNLOAD, "Download", "Last ned", "Descarregar", "Laadi alla",       \
      "Atsisiųsti")                                                          \
    X(T_VIEW, "View", "Vis", "Ver", "Vaata", "Peržiūrėti")                   \
    X(T_COORDINATOR, "Collection", "Innsamling", "Recolha", "Kogumine",      \
      "Rinkimas")                                                            \
    X(T_PROVIDER, "Provider", "Tjenesteyter", "Prestador", "Teenuseosutaja", \
      "Paslaugų teikėjas")                                                   \
    X(T_SENT, "Sent", "Sendt", "Enviado", "Saadetud", "Išsiųsta")            \
    X(T_NOT_SENT, "not yet", "ikke ennå", "ainda não", "veel mitte",         \
      "dar ne")                                                              \
    X(T_COMPLETENESS, "Indicators sent", "Indikatorer sendt",               \
      "Indicadores enviados", "Saadetud näitajad", "Išsiųsti rodikliai")      \
    X(T_PREPARING, "The report is being prepared: this page reloads in a "   \
      "moment.", "Rapporten lages: siden lastes på nytt om et øyeblikk.",   \
      "O relatório está a ser preparado: a página recarrega dentro de "    \
      "momentos.", "Aruannet koostatakse: leht laaditakse kohe uuesti.",    \
      "Ataskaita rengiama: puslapis netrukus bus įkeltas iš naujo.")         \
    X(T_STILL_REJECTED, "Rows still rejected", "Rader fortsatt avvist",      \
      "Linhas ainda rejeitadas", "Endiselt tagasi lükatud read",             \
      "Vis dar atmestos eilutės")                                            \
    X(T_LAST, "Last submission", "Siste innsending", "Última submissão",     \
      "Viimane saadetis", "Paskutinis pateikimas")                           \
    X(T_SUMMARY, "Coordinator's summary", "Koordinatorens sammendrag",       \
      "Resumo do coordenador", "Koordinaatori kokkuvõte",                    \
      "Koordinatoriaus santrauka")                                           \
    X(T_CLOSE, "Close period", "Avslutt periode", "Fechar período",          \
      "Sulge periood", "Uždaryti laikotarpį")                                \
    X(T_CLOSED, "Closed: the reports are being made.",                       \
      "Avsluttet: rapportene lages.", "Fechado: os relatórios estão a ser "  \
      "feitos.", "Suletud: aruandeid koostatakse.",                          \
      "Uždaryta: ataskaitos rengiamos.")                                     \
    X(T_NOT_FOUND, "Not found.", "Ikke funnet.", "Não encontrado.",          \
      "Ei leitud.", "Nerasta.")                                              \
    X(T_SORT, "Sort by", "Sorter etter", "Ordenar por", "Järjesta",          \
      "Rikiuoti pagal")                                                      \
    X(T_ADD_LOGIN, "Add a provider's login", "Legg til en pålogging for "   \
      "en tjenesteyter", "Adicionar um acesso de prestador",                 \
      "Lisa teenuseosutaja kasutaja", "Pridėti teikėjo prisijungimą")        \
    X(T_ONE_TIME, "One-time password (to be changed at the first log-in):",  \
      "Engangspassord (byttes ved første pålogging):",                       \
      "Palavra-passe de uso único (a mudar no primeiro acesso):",            \
      "Ühekordne parool (muudetakse esimesel sisselogimisel):",              \
      "Vienkartinis slaptažodis (pakeičiamas pirmą kartą prisijungus):")     \
    X(T_PRACTICE, "Tell others what works", "Fortell andre hva som virker",  \
      "Partilhe o que funciona", "Räägi teistele, mis toimib",               \
      "Papasakokite kitiems, kas veikia")                                    \
    X(T_PRACTICE_INTRO,                                                      \
      "Shown to others when you are in the best quarter of a "               \
      "peer group on this indicator; your name and contact "                 \
      "only when you share your identity.",                                  \
      "Vises for andre når dere er i den beste fjerdedelen av "              \
      "en sammenligningsgruppe på denne indikatoren; navn og "               \
      "kontakt bare når dere deler identiteten.",                            \
      "Mostrada aos outros quando está no melhor quarto de um "              \
      "grupo de pares neste indicador; o nome e o contacto só "              \
      "quando partilha a sua identidade.",                                   \
      "Näidatakse teistele, kui olete selle näitaja poolest "                \
      "mõne võrdlusrühma parimas veerandis; nimi ja kontakt "                \
      "ainult siis, kui jagate oma identiteeti.",                            \
      "Rodoma kitiems, kai pagal šį rodiklį esate "                          \
      "geriausiame palyginamosios grupės ketvirtadalyje; "                   \
      "pavadinimas ir kontaktas – tik jei dalijatės tapatybe.")              \
    X(T_INDICATOR, "Indicator", "Indikator", "Indicador", "Näitaja",         \
      "Rodiklis")                                                            \
    X(T_ACTIONS, "Improvement actions", "Forbedringstiltak",                 \
      "Ações de melhoria", "Parendustegevused", "Gerinimo veiksmai")          \
    X(T_ACTION_ID, "Action id (letters, digits, _ . -)",                      \
      "Tiltakets id (bokstaver, sifre, _ . -)",                               \
      "Identificador da ação (letras, algarismos, _ . -)",                    \
      "Tegevuse tunnus (tähed, numbrid, _ . -)",                              \
      "Veiksmo identifikatorius (raidės, skaitmenys, _ . -)")                 \
    X(T_ACTION, "What you will do", "Hva dere skal gjøre",                    \
      "O que vai fazer", "Mida te teete", "Ką darysite")                      \
    X(T_OWNER, "Owner (optional)", "Ansvarlig (valgfritt)",                   \
      "Responsável (opcional)", "Vastutaja (valikuline)",                     \
      "Atsakingas asmuo (neprivaloma)")                                       \
    X(T_DUE, "Due date (YYYY-MM-DD)", "Frist (ÅÅÅÅ-MM-DD)",                   \
      "Prazo (AAAA-MM-DD)", "Tähtaeg (AAAA-KK-PP)",                           \
      "Terminas (MMMM-MM-DD)")                                                \
    X(T_ACTION_STATUS, "Status: planned, in_progress, done or dropped",       \
      "Status: planned, in_progress, done eller dropped",                     \
      "Estado: planned, in_progress, done ou dropped",                        \
      "Olek: planned, in_progress, done või dropped",                         \
      "Būsena: planned, in_progress, done arba dropped")                      \
    X(T_PRACTICE_TITLE, "Title", "Tittel", "Título", "Pealkiri",             \
      "Pavadinimas")                                                         \
    X(T_DESCRIPTION, "What you do and why it works",                         \
      "Hva dere gjør og hvorfor det virker", "O que faz e porque funciona",  \
      "Mida teete ja miks see toimib", "Ką darote ir kodėl tai veikia")      \
    X(T_CONTACT, "Contact (optional)", "Kontakt (valgfritt)",                \
      "Contacto (opcional)", "Kontakt (valikuline)",                         \
      "Kontaktas (neprivalomas)")                                            \
    X(T_SKIP, "Skip to the content", "Gå til innholdet",                     \
      "Saltar para o conteúdo", "Mine sisu juurde", "Pereiti prie turinio")

typedef enum web_text {
#define WEB_I18N_ENUM(key, en, no, pt, et, lt) key,
    WEB_I18N_TABLE(WEB_I18N_ENUM)
#undef WEB_I18N_ENUM
    T_COUNT
} web_text_t;

#define WEB_LANGS 5

/* "en", "no", "pt", "et", "lt" by index. */
extern const char *const web_lang_codes[WEB_LANGS];
/* Each language's own name ("Norsk"). */
extern const char *const web_lang_names[WEB_LANGS];

/* The index of a language code, or -1. */
int web_lang_index(const char *code);

/* The text of key in language lang (an index; out of range means en). */
const char *web_text(int lang, web_text_t key);

#endif
