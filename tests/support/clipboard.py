"""What Hangul (HWP) and Word put on the clipboard as text/html, for paste and sanitiser tests.

Shaped after what the programs really write: Word's full document with mso- styles, <o:p>,
conditional comments and lists as styled paragraphs; Hangul's table with inline border
styles, <col> widths, HStyle classes and bold as a font-weight style.
"""

WORD_LIST = """<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Word.Document><meta name=Generator content="Microsoft Word 15">
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml><![endif]-->
<style><!-- p.MsoNormal {mso-style-parent:""; margin:0cm; font-family:"맑은 고딕";}
p.MsoListParagraph {mso-style-priority:34; margin-left:40.0pt;} --></style></head>
<body lang=KO style='tab-interval:40.0pt;word-wrap:break-word'>
<!--StartFragment-->
<h2><span lang=EN-US>추진 계획</span><o:p></o:p></h2>
<p class=MsoNormal><b><span style='font-size:12.0pt'>주요 내용</span></b><span lang=EN-US
style='font-size:12.0pt'> (</span><span style='font-weight:bold'>굵게 쓴 스타일</span>)<o:p></o:p></p>
<p class=MsoListParagraphCxSpFirst style='margin-left:38.0pt;mso-add-space:auto;
text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span lang=EN-US
style='mso-fareast-font-family:"맑은 고딕"'><span style='mso-list:Ignore'>1.<span
style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp; </span></span></span><![endif]>청년
일자리 <span style='font-style:italic'>확대</span><o:p></o:p></p>
<p class=MsoListParagraphCxSpMiddle style='margin-left:38.0pt;mso-add-space:auto;
text-indent:-18.0pt;mso-list:l0 level2 lfo1'><![if !supportLists]><span
style='mso-list:Ignore'>가.<span style='font:7.0pt "Times New Roman"'>&nbsp; </span></span><![endif]>도내
기업 연계<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='margin-left:38.0pt;mso-add-space:auto;
text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if !supportLists]><span lang=EN-US><span
style='mso-list:Ignore'>2.<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp; </span></span></span><![endif]>소상공인
지원<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoListParagraph style='margin-left:38.0pt;text-indent:-18.0pt;mso-list:l1 level1 lfo2'><![if !supportLists]><span
style='font-family:Wingdings;mso-list:Ignore'>§<span style='font:7.0pt "Times New Roman"'>&nbsp; </span></span><![endif]>문의: 일자리정책과<o:p></o:p></p>
<!--EndFragment-->
</body></html>"""

HWP_TABLE = """<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8">
<meta name="generator" content="Hancom HTML Converter">
<style type="text/css">
p.HStyle0 {style-name:"바탕글"; margin-top:0.0pt; line-height:160%; font-size:10.0pt; font-family:함초롬바탕;}
</style></head><body>
<!--StartFragment-->
<p class="HStyle0" style="text-align:center;"><span style="font-size:14.0pt;font-family:'맑은 고딕';font-weight:&quot;bold&quot;;line-height:160%">2024년 경기도 청년 지원 현황</span></p>
<table border="1" cellspacing="0" cellpadding="0" style='border-collapse:collapse;border:none;'>
<col width="110"><col width="150"><col width="150">
<tr>
  <td rowspan="2" valign="middle" style='width:110px;height:52px;border-left:solid #000000 0.4pt;border-right:solid #000000 0.4pt;border-top:solid #000000 0.4pt;border-bottom:solid #000000 0.4pt;background-color:#e5e5e5;padding:1.4pt 5.1pt 1.4pt 5.1pt'>
  <p class="HStyle0" style="text-align:center;"><span style="font-family:'맑은 고딕';font-weight:bold">구분</span></p></td>
  <td colspan="2" valign="middle" style='width:300px;height:26px;border-left:solid #000000 0.4pt;border-right:solid #000000 0.4pt;border-top:solid #000000 0.4pt;border-bottom:solid #000000 0.4pt;background-color:#e5e5e5;padding:1.4pt 5.1pt 1.4pt 5.1pt'>
  <p class="HStyle0" style="text-align:center;"><span style="font-family:'맑은 고딕';font-weight:bold">지원 인원</span></p></td>
</tr>
<tr>
  <td valign="middle" style='width:150px;height:26px;border:solid #000000 0.4pt;padding:1.4pt 5.1pt'><p class="HStyle0" style="text-align:center;"><span style="font-family:'맑은 고딕'">2023년</span></p></td>
  <td valign="middle" style='width:150px;height:26px;border:solid #000000 0.4pt;padding:1.4pt 5.1pt'><p class="HStyle0" style="text-align:center;"><span style="font-family:'맑은 고딕'">2024년</span></p></td>
</tr>
<tr>
  <td valign="middle" style='width:110px;height:26px;border:solid #000000 0.4pt'><p class="HStyle0"><span style="font-family:'맑은 고딕'">청년 기본소득</span></p></td>
  <td valign="middle" style='width:150px;border:solid #000000 0.4pt'><p class="HStyle0" style="text-align:right;"><span style="font-family:'맑은 고딕'">12,300명</span></p></td>
  <td valign="middle" style='width:150px;border:solid #000000 0.4pt'><p class="HStyle0" style="text-align:right;"><span style="font-family:'맑은 고딕'">14,100명</span></p></td>
</tr>
</table>
<p class="HStyle0"><span style="font-family:'맑은 고딕'">※ 자료: 경기도 청년정책과</span></p>
<!--EndFragment-->
</body></html>"""

# What a writer types: lines of text with one bold word, a link and a bare URL.
MIXED_LINES = ("경기도는 오늘 청년 지원 계획을 <b>발표</b>했다.\n"
               "자세한 내용은 https://www.gg.go.kr/news에서 볼 수 있다.\n\n"
               "<a href=\"https://www.gg.go.kr/\">경기도청</a> 누리집에도 있다.\n"
               "문의: youth@gg.go.kr")

# A real paste into the rich editor (at the end of its text): a ClipboardEvent carrying a
# DataTransfer with text/html and text/plain, as the programs put them on the clipboard.
PASTE_SCRIPT = """([html, text]) => {
  const area = document.querySelector('.jodit-wysiwyg');
  area.focus();
  const range = document.createRange();
  range.selectNodeContents(area);
  range.collapse(false);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  const data = new DataTransfer();
  data.setData('text/html', html);
  data.setData('text/plain', text);
  area.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true}));
}"""
