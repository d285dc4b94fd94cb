/**
 * Brazilian names and support-chat Portuguese for the seeded benchmark data, so searches meet
 * real words with real frequencies: names repeat (a first name ~1 customer in 60, a full
 * name ~1 in 3,000), chat lines repeat (a template word ~1 message in 40), products and cities
 * less, order numbers hardly at all.
 */

/** [as written, as in an e-mail address]. */
export const FIRST_NAMES: Array<[string, string]> = [
  ['Maria', 'maria'], ['José', 'jose'], ['Ana', 'ana'], ['João', 'joao'], ['Antônio', 'antonio'],
  ['Francisca', 'francisca'], ['Carlos', 'carlos'], ['Paulo', 'paulo'], ['Adriana', 'adriana'], ['Pedro', 'pedro'],
  ['Juliana', 'juliana'], ['Lucas', 'lucas'], ['Márcia', 'marcia'], ['Luiz', 'luiz'], ['Fernanda', 'fernanda'],
  ['Marcos', 'marcos'], ['Patrícia', 'patricia'], ['Gabriel', 'gabriel'], ['Aline', 'aline'], ['Rafael', 'rafael'],
  ['Sandra', 'sandra'], ['Daniel', 'daniel'], ['Camila', 'camila'], ['Marcelo', 'marcelo'], ['Amanda', 'amanda'],
  ['Bruno', 'bruno'], ['Bruna', 'bruna'], ['Eduardo', 'eduardo'], ['Jéssica', 'jessica'], ['Felipe', 'felipe'],
  ['Letícia', 'leticia'], ['Raimundo', 'raimundo'], ['Júlia', 'julia'], ['Rodrigo', 'rodrigo'], ['Luciana', 'luciana'],
  ['Manoel', 'manoel'], ['Vanessa', 'vanessa'], ['Mateus', 'mateus'], ['Mariana', 'mariana'], ['André', 'andre'],
  ['Conceição', 'conceicao'], ['Fábio', 'fabio'], ['Cláudia', 'claudia'], ['Sebastião', 'sebastiao'], ['Beatriz', 'beatriz'],
  ['Thiago', 'thiago'], ['Larissa', 'larissa'], ['Vitor', 'vitor'], ['Débora', 'debora'], ['Gustavo', 'gustavo'],
  ['Simone', 'simone'], ['Leonardo', 'leonardo'], ['Tatiane', 'tatiane'], ['Igor', 'igor'], ['Renata', 'renata'],
  ['Caio', 'caio'], ['Cecília', 'cecilia'], ['Otávio', 'otavio'], ['Lúcia', 'lucia'], ['Heitor', 'heitor'],
  ['Valéria', 'valeria'],
];

export const SURNAMES: Array<[string, string]> = [
  ['Silva', 'silva'], ['Santos', 'santos'], ['Oliveira', 'oliveira'], ['Souza', 'souza'], ['Rodrigues', 'rodrigues'],
  ['Ferreira', 'ferreira'], ['Alves', 'alves'], ['Pereira', 'pereira'], ['Lima', 'lima'], ['Gomes', 'gomes'],
  ['Costa', 'costa'], ['Ribeiro', 'ribeiro'], ['Martins', 'martins'], ['Carvalho', 'carvalho'], ['Almeida', 'almeida'],
  ['Lopes', 'lopes'], ['Soares', 'soares'], ['Fernandes', 'fernandes'], ['Vieira', 'vieira'], ['Barbosa', 'barbosa'],
  ['Rocha', 'rocha'], ['Dias', 'dias'], ['Nascimento', 'nascimento'], ['Andrade', 'andrade'], ['Moreira', 'moreira'],
  ['Nunes', 'nunes'], ['Marques', 'marques'], ['Machado', 'machado'], ['Mendes', 'mendes'], ['Freitas', 'freitas'],
  ['Cardoso', 'cardoso'], ['Ramos', 'ramos'], ['Gonçalves', 'goncalves'], ['Santana', 'santana'], ['Teixeira', 'teixeira'],
  ['Araújo', 'araujo'], ['Melo', 'melo'], ['Correia', 'correia'], ['Moura', 'moura'], ['Cavalcanti', 'cavalcanti'],
  ['Monteiro', 'monteiro'], ['Azevedo', 'azevedo'], ['Brandão', 'brandao'], ['Castro', 'castro'], ['Campos', 'campos'],
  ['Sampaio', 'sampaio'], ['Pinto', 'pinto'], ['Peixoto', 'peixoto'], ['Assunção', 'assuncao'], ['Guimarães', 'guimaraes'],
  ['Falcão', 'falcao'], ['Magalhães', 'magalhaes'], ['Conceição', 'conceicao'],
];

export const EMAIL_DOMAINS = ['gmail.com', 'hotmail.com', 'outlook.com', 'yahoo.com.br', 'uol.com.br', 'bol.com.br', 'terra.com.br', 'icloud.com'];

/** Area codes of the busiest regions. */
export const AREA_CODES = ['11', '21', '31', '41', '51', '61', '71', '81', '85', '19', '27', '48', '62', '92'];

export const PRODUCTS = [
  'geladeira', 'fogão', 'micro-ondas', 'notebook', 'celular', 'fone de ouvido', 'televisão', 'cafeteira', 'liquidificador',
  'ventilador', 'ar-condicionado', 'máquina de lavar', 'aspirador', 'impressora', 'monitor', 'teclado', 'mouse', 'cadeira',
  'colchão', 'sofá', 'tênis', 'camiseta', 'calça jeans', 'jaqueta', 'mochila', 'relógio', 'perfume', 'panela', 'frigideira',
  'batedeira', 'torradeira', 'secador', 'chapinha', 'bicicleta', 'patinete', 'barraca', 'tablet', 'carregador', 'caixa de som',
  'videogame', 'luminária', 'tapete', 'cortina', 'travesseiro', 'edredom', 'garrafa térmica', 'furadeira', 'parafusadeira',
  'sapato', 'vestido',
];

export const CITIES = [
  'São Paulo', 'Rio de Janeiro', 'Belo Horizonte', 'Curitiba', 'Porto Alegre', 'Brasília', 'Salvador', 'Recife', 'Fortaleza',
  'Campinas', 'Vitória', 'Florianópolis', 'Goiânia', 'Manaus', 'Belém', 'Natal', 'João Pessoa', 'Maceió', 'Aracaju',
  'Teresina', 'São Luís', 'Cuiabá', 'Campo Grande', 'Londrina', 'Joinville', 'Niterói', 'Santos', 'Sorocaba', 'Uberlândia',
  'Ribeirão Preto', 'Juiz de Fora', 'Blumenau', 'Caxias do Sul', 'Pelotas', 'Maringá', 'Petrópolis', 'Ilhéus', 'Macapá',
  'Palmas', 'Boa Vista',
];

/** Subjects of tickets from other channels; `{p}` a product, `{n}` an order number. */
export const SUBJECTS = [
  'Pedido {n} não chegou', 'Troca de {p}', 'Boleto vencido', 'Cancelamento do pedido {n}', 'Reembolso do pedido {n}',
  'Cobrança em duplicidade', '{p} com defeito', 'Dúvida sobre o frete', 'Atualizar endereço de entrega', 'Nota fiscal do pedido {n}',
  'Segunda via do boleto', 'Garantia do {p}', 'Entrega atrasada', 'Produto diferente do anunciado', 'Estorno no cartão',
  'Cupom de desconto não aplicado', 'Alterar forma de pagamento', 'Pedido {n} incompleto', 'Devolução de {p}', 'Problema no login',
  'Assistência técnica: {p}', 'Prazo de entrega', 'Rastreamento do pedido {n}', 'Pix não confirmado', 'Parcelamento no cartão',
];

/** What customers write; `{p}` a product, `{c}` a city, `{n}` an order number. */
export const CUSTOMER_LINES = [
  'Olá, boa tarde', 'Bom dia, tudo bem?', 'Meu pedido {n} ainda não chegou', 'Comprei um {p} e veio com defeito',
  'Quero trocar o {p} por outro modelo', 'O boleto venceu, vocês podem gerar outro?', 'Vocês entregam em {c}?',
  'Qual o prazo de entrega para {c}?', 'Paguei com Pix e o pedido continua como aguardando pagamento',
  'Fui cobrado duas vezes no cartão', 'Quero cancelar a compra do {p}', 'O rastreamento não atualiza desde ontem',
  'A transportadora disse que o endereço estava errado', 'Preciso da nota fiscal do pedido {n}', 'O cupom não funcionou',
  'Como faço para devolver o {p}?', 'O {p} parou de funcionar depois de uma semana', 'Posso parcelar em dez vezes?',
  'Obrigado pela ajuda!', 'Ainda estou aguardando o reembolso', 'O entregador não apareceu', 'A caixa chegou amassada',
  'Moro em {c}, o frete é grátis?', 'Não consigo acessar minha conta', 'Esqueci a senha', 'Recebi o produto errado',
  'Quero falar com um atendente', 'Já faz quinze dias que fiz o pedido', 'Vocês têm o {p} na cor preta?',
  'Meu endereço mudou, dá para alterar a entrega?', 'A garantia cobre o {p}?', 'Perfeito, muito obrigada',
  'Ok, vou aguardar', 'Pode ser amanhã de manhã?', 'O estorno ainda não apareceu na fatura',
  'Tem loja física em {c}?', 'Comprei pelo aplicativo e não recebi o e-mail de confirmação', 'Quanto custa a instalação do {p}?',
  'O pedido {n} foi entregue em outro endereço', 'Minha encomenda foi extraviada',
];

/** What agents answer. */
export const AGENT_LINES = [
  'Olá! Em que posso ajudar?', 'Vou verificar o seu pedido, só um momento', 'Pode me informar o número do pedido?',
  'Já abri a solicitação de troca do {p}', 'O prazo de entrega para {c} é de cinco dias úteis',
  'Gerei a segunda via do boleto e enviei para o seu e-mail', 'O reembolso cai em até duas faturas',
  'Identifiquei a cobrança duplicada e solicitei o estorno', 'O pedido {n} saiu para entrega hoje',
  'A transportadora vai fazer uma nova tentativa amanhã', 'Enviei a nota fiscal por e-mail', 'O cupom vale só para a primeira compra',
  'Para devolver, basta levar o {p} a uma agência dos Correios', 'Vou encaminhar para a assistência técnica',
  'Sim, parcelamos em até dez vezes sem juros', 'Desculpe pela demora', 'Atualizei o endereço de entrega',
  'Entregamos em {c}, sim', 'O frete é grátis acima de duzentos reais', 'Redefini o acesso, confira sua caixa de entrada',
  'O pagamento por Pix foi confirmado agora', 'Registrei a reclamação sobre a embalagem', 'Posso ajudar em algo mais?',
  'Obrigado pelo contato, tenha um ótimo dia', 'A garantia do {p} é de doze meses', 'Temos sim, na cor preta e na branca',
  'Abri um chamado com a transportadora sobre o pedido {n}', 'Sua solicitação foi registrada', 'Vou transferir para o setor financeiro',
  'O estorno foi processado hoje',
];
