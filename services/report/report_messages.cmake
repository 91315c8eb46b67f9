# Turns the report message catalogues (config/messages/<lang>.yaml) into a C
# source, so that the report daemon carries its words inside the program and
# finds them whatever folder the node's catalogue is in (SPEC section 8).
# Run by CMake at build time:
#   cmake -DSRC_DIR=config/messages -DOUT=report_messages_data.c -P this
file(GLOB files "${SRC_DIR}/*.yaml")
list(SORT files)
set(arrays "")
set(table "")
set(count 0)
foreach(f ${files})
    get_filename_component(lang "${f}" NAME_WE)
    file(READ "${f}" hex HEX)
    string(LENGTH "${hex}" hex_len)
    math(EXPR len "${hex_len} / 2")
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
    string(REGEX REPLACE "((0x..,){16})" "\\1\n    " bytes "${bytes}")
    string(APPEND arrays
           "static const unsigned char s_${lang}[] = {\n    ${bytes}0x00};\n")
    string(APPEND table "    {\"${lang}\", s_${lang}, ${len}},\n")
    math(EXPR count "${count} + 1")
endforeach()
file(WRITE "${OUT}"
"/* Generated from config/messages/<lang>.yaml by report_messages.cmake: do not
 * edit. */
#include \"report_messages.h\"

${arrays}
const report_messages_file_t report_messages_files[] = {
${table}};
const size_t report_messages_file_count = ${count};
")
